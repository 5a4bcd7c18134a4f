#ifndef KEYWARD_BUILD_INFO_H
#define KEYWARD_BUILD_INFO_H
/// The commit the binary was built from, as the package manifest read it from git ("unknown" outside a checkout).
const char *keyward_build_commit(void);
#endif
