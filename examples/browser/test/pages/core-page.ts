/**
 * The page of the core suite: @skein/core's browser entry on `window.skein`,
 * for the test to drive with `page.evaluate`. `window.skeinReady` is set
 * once the module ran.
 */
import * as skein from "@skein/core";

declare global {
  interface Window {
    skein: typeof skein;
    skeinReady: boolean;
  }
}

window.skein = skein;
window.skeinReady = true;
