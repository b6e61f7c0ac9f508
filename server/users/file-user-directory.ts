// Placeholder until issue 2's user directory lands.
import type {UserDirectory, UserInfo} from './types.js';

export class FileUserDirectory implements UserDirectory {
  constructor(readonly file: string) {}
  get(_name: string): UserInfo | undefined {
    return undefined;
  }
  async verify(): Promise<UserInfo | undefined> {
    return undefined;
  }
  search(): UserInfo[] {
    return [];
  }
  close(): void {}
}
