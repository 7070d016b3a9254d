/**
 * Renders Chart.js configurations to PNG with chartjs-node-canvas (canvas, built from source
 * against Debian's cairo and pango). One renderer per size, reused: creating one loads fonts.
 */
import { ChartJSNodeCanvas } from 'chartjs-node-canvas';
import type { ChartConfiguration } from 'chart.js';

const renderers = new Map<string, ChartJSNodeCanvas>();

/** Renders `config` as a PNG of `width` x `height` pixels on a white background. */
export async function renderPng(config: ChartConfiguration, width = 960, height = 540): Promise<Buffer> {
  const key = `${width}x${height}`;
  let renderer = renderers.get(key);
  if (!renderer) {
    renderer = new ChartJSNodeCanvas({ width, height, backgroundColour: 'white' });
    renderers.set(key, renderer);
  }
  return renderer.renderToBuffer(config, 'image/png');
}

/** Width and height from a PNG's IHDR chunk; throws when `png` is not a PNG. */
export function pngSize(png: Buffer): { width: number; height: number } {
  const signature = '89504e470d0a1a0a';
  if (png.length < 24 || png.subarray(0, 8).toString('hex') !== signature || png.subarray(12, 16).toString('latin1') !== 'IHDR') {
    throw new Error('not a PNG file');
  }
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}
