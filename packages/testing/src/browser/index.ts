export { type ChromiumLaunchOptions, chromiumLaunchOptions, DEBIAN_CHROMIUM_PATH } from './chromium.js';
