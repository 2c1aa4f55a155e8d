import pkg from '../package.json' with { type: 'json' };

/** The version of @cors/doctor, also sent in its User-Agent. */
export const VERSION: string = pkg.version;

export const USER_AGENT = `cors-doctor/${VERSION} (+https://github.com/cors-js/cors/tree/main/packages/doctor)`;
