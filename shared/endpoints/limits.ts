/** The endpoint connection test answers within this time, whatever is (or is not) at the address. */
export const ENDPOINT_TEST_TIMEOUT_MS = 10_000;
