/**
 * The adapter's tests run the real client against the emulator of the four clouds over real sockets, with the
 * repository's shared client test helpers (fake credentials, only ever sent to the emulator).
 */
export {
  type ClientEmulator as TestPlatform,
  EMBED,
  startClientEmulator as startTestPlatform,
  TOOL_CHAT as CHAT,
} from '../../../test/client.test-utils.js';
