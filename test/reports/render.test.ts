import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { pngSize, renderPng } from '../../reports/render.js';

/** Concatenated IDAT data of a PNG, inflated: the raw scanlines. */
function scanlines(png: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.subarray(at + 4, at + 8).toString('latin1');
    if (type === 'IDAT') parts.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  return inflateSync(Buffer.concat(parts));
}

describe('chart rendering (canvas built from source)', () => {
  it('renders a bar chart to a PNG of the requested size that is not blank', async () => {
    const png = await renderPng(
      {
        type: 'bar',
        data: { labels: ['a', 'b'], datasets: [{ label: 'ops/s', data: [3, 7], backgroundColor: '#1f77b4' }] },
        options: { animation: false, plugins: { title: { display: true, text: 'smoke' } } },
      },
      320,
      200,
    );
    assert.deepEqual(pngSize(png), { width: 320, height: 200 });
    const pixels = scanlines(png);
    assert.ok(new Set(pixels).size > 10, 'the image has more than a handful of distinct byte values');
  });

  it('refuses what is not a PNG', () => {
    assert.throws(() => pngSize(Buffer.from('not an image at all, clearly')), /not a PNG/);
  });
});
