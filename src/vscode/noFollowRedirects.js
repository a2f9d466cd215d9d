// Build-time replacement for `follow-redirects` (see esbuild.mjs). Customer Context never follows
// redirects (maxRedirects: 0, so a token never travels to another origin), and with maxRedirects 0 axios
// uses Node's own http/https; this keeps follow-redirects and its `debug` dependency out of the bundle.
'use strict';
module.exports = { http: require('node:http'), https: require('node:https') };
module.exports.default = module.exports;
