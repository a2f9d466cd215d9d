// Build-time replacement for the `form-data` package (see esbuild.mjs). Customer Context sends JSON
// only; reaching this means a multipart body was attempted, which is a programming error.
'use strict';
class FormData {
  constructor() {
    throw new Error('Customer Context does not send multipart/form-data bodies.');
  }
}
module.exports = FormData;
module.exports.default = FormData;
