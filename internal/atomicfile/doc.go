// Package atomicfile holds the file guarantees psgate's shared files share
// (the rules file of authz, the second-factor file of mfa): an exclusive
// writers' lock on a side file, an atomic replace (temp file in the same
// folder, fsync, rename, fsync of the folder) with an optional backup, the
// removal of temp files an interrupted writer left, and a cheap signature
// (device, inode, size, modification time) that tells readers the file
// changed. Standard library only.
package atomicfile
