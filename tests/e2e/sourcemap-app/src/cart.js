// The cart: totals with a limit.
const LIMIT = 100;

export function computeTotal(items) {
  let total = 0;
  for (const item of items) total += item.price;
  if (total > LIMIT) throw new RangeError(`cart total ${total} is over the limit`);
  return total;
}
