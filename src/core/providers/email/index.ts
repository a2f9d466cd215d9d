// E-mail: the question opens in the user's mail program (mailto:); the user sends it.
import { defineVendor } from '../vendor';
import { mailtoUrl } from './mailto';

/** The mail vendor (the `email` question route), completed by hand. */
export const email = defineVendor({
  id: 'email',
  label: 'E-mail',
  kinds: ['chat'],
  remote: false,
  settings: {},
  manualRoute: { url: mailtoUrl },
});
