// One import reads every plain property the agent needs: `prop(o, i)` is
// `o[NAMES[i]]`, the names listed once here and once in src/core/props.rs
// (in the same order: a host test compares the two). A wasm-bindgen getter
// per property cost an import, a glue function and a wasm shim each
// (README "Size"). Null or undefined `o` reads undefined.
const NAMES = 'name startTime duration initiatorType nextHopProtocol renderBlockingStatus responseStatus redirectStart redirectEnd workerStart fetchStart domainLookupStart domainLookupEnd connectStart secureConnectionStart connectEnd requestStart responseStart responseEnd transferSize encodedBodySize decodedBodySize serverTiming type redirectCount domInteractive domContentLoadedEventStart domContentLoadedEventEnd domComplete loadEventStart loadEventEnd activationStart element url id entryType navigationId presentationTime paintTime renderTime largestContentfulPaint value hadRecentInput sources node interactionId processingStart processingEnd target targetSelector scripts sourceURL sourceFunctionName invoker description message filename lineno colno error reason stack timeStamp localName currentSrc src href origin referrer readyState userAgent language interactionCount persisted isTrusted nodeType nodeName classList parentNode effectiveType rtt downlink saveData brands brand version mobile platform status headers'.split(' ');
export function prop(o, i) {
  return o?.[NAMES[i]];
}
