// Where Puppeteer finds its browser.
// On a machine with a system Chromium (Debian's `chromium`, as in CI), use it and skip Puppeteer's own
// download, which can't reach the internet there. Elsewhere this returns {} and Puppeteer downloads its
// Chrome as usual. PUPPETEER_EXECUTABLE_PATH, when set, always wins.
const { existsSync } = require('node:fs');

const candidates = [process.env.PUPPETEER_EXECUTABLE_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome-stable'].filter(Boolean);
const systemBrowser = candidates.find((path) => existsSync(path));

module.exports = systemBrowser ? { skipDownload: true, executablePath: systemBrowser } : {};
