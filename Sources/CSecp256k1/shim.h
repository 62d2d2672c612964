// Debian's libsecp256k1-dev installs <secp256k1.h> (not <libsecp256k1.h>).
// Code against the 0.2.0 API: SECP256K1_CONTEXT_NONE, parse/tweak_add/serialize.
#include <secp256k1.h>
