/**
 * Exact sums of numbers. Each number is read as the decimal it prints as (JavaScript's shortest
 * round-trip decimal: 0.1 is 1/10, not the binary fraction nearest it), and all are scaled by the
 * same power of ten to exact BigInts: "these two sign patterns give the same sum" is then a fact,
 * not a guess with a rounding allowance (the allowance is how the sign-flip test used to drop tied
 * patterns: 0.1 + 0.2 and 0.3 differ in binary floating point, and equal as the decimals written).
 */

/** `x` (finite) as digits * 10^exponent. */
function decimal(x: number): { digits: bigint; exponent: number } {
  const text = Math.abs(x).toString();
  const [mantissa, exp = '0'] = text.split('e');
  const [whole, fraction = ''] = mantissa.split('.');
  return { digits: BigInt(whole + fraction), exponent: Number(exp) - fraction.length };
}

/**
 * The values as exact integers on one common scale (their ratios kept exactly). Throws on a value
 * that is not finite.
 */
export function toCommonScale(values: readonly number[]): bigint[] {
  const parts = values.map((x) => {
    if (!Number.isFinite(x)) throw new RangeError(`not a finite number: ${x}`);
    return decimal(x);
  });
  const nonzero = parts.filter((p) => p.digits !== 0n);
  if (nonzero.length === 0) return values.map(() => 0n);
  const lowest = Math.min(...nonzero.map((p) => p.exponent));
  return parts.map((p, i) => {
    const magnitude = p.digits * 10n ** BigInt(p.exponent - lowest);
    return values[i] < 0 ? -magnitude : magnitude;
  });
}
