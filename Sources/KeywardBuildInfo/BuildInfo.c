#include "KeywardBuildInfo.h"

#ifndef KEYWARD_COMMIT
#define KEYWARD_COMMIT "unknown"
#endif

const char *keyward_build_commit(void) { return KEYWARD_COMMIT; }
