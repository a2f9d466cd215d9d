// Debian's Chromium, started the way this kind of machine needs: as root without the sandbox, and without
// the background connections a closed network refuses (they only slow start-up and fill the log).
export const CHROMIUM_PATH = process.env.CC_CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
