#ifndef MCLEDGER_CSPAWN_H
#define MCLEDGER_CSPAWN_H
#include <spawn.h>

/// Adds a file action that closes every descriptor numbered `lowest` or more
/// in the child, so that a spawned program (and a server it leaves running,
/// as `pg_ctl start` does) inherits none of the caller's pipes, sockets or
/// lock files. glibc's posix_spawn_file_actions_addclosefrom_np (2.34+),
/// which Swift's Glibc module does not declare (it needs _GNU_SOURCE).
/// Returns 0 or an errno value.
int mcledger_spawn_close_from(posix_spawn_file_actions_t *actions, int lowest);

#endif
