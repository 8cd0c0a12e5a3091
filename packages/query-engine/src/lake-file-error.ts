// The error of reading one lake file: names the object at fault.

/** A lake file could not be read or decoded; `key` names the object (or the file's label). */
export class LakeFileError extends Error {
  override readonly name: string = "LakeFileError";
  readonly key: string;

  constructor(key: string, problem: string, options?: { cause?: unknown }) {
    super(`${key}: ${problem}`, options);
    this.key = key;
  }
}

/** A file's key-value metadata differs from what the reader expected (e.g. a mart built from other raw files). */
export class LakeFileMetadataMismatch extends LakeFileError {
  override readonly name = "LakeFileMetadataMismatch";
}
