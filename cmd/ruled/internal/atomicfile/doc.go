// Package atomicfile writes files so that a reader, or the file system
// after a crash, sees either the old content or the new, never a part:
// the data goes to a temporary file in the same directory, is synced, and
// is renamed over the target.
//
// It is the only way ruled's commands replace a user's files (fmt -w,
// convert -o, test --update). It imports only the standard library and
// keeps no state: concurrent writes of different files are safe; of the
// same file, the last rename wins whole.
package atomicfile
