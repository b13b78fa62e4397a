// Prices, loaded asynchronously.
export async function loadPrices(currency) {
  await new Promise((r) => setTimeout(r, 5));
  throw new TypeError(`no prices for ${currency}`);
}
