import { relayProject } from '../../vitest.shared.js';

export default relayProject('console');
