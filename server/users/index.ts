// The user directory: the interface, the JSON-file implementation and its name and password rules.
export {
  FileUserDirectory,
  MAX_PASSWORD_LENGTH,
  UserChangeError,
  UsersFileError,
  parseUsersFile,
  writeAtomically,
} from './file-user-directory.js';
export type {FileUserDirectoryOptions, StoredUser} from './file-user-directory.js';
export {hashPassword, isPasswordHash, verifyPassword} from './password-hash.js';
export {MAX_USER_NAME_LENGTH, validateUserName} from './user-name.js';
export type {UserNameResult} from './user-name.js';
export type {UserDirectory, UserInfo} from './types.js';
