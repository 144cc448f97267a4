/* CDecodeShim – the decode shim over simdjson (plain C API; no C++ exception crosses it), the
 * PocketOption payload parsers and the base64 / JSON-unescape codecs: the umbrella header Swift
 * imports. Links simdjson alone. */
#ifndef QF_CDECODESHIM_H
#define QF_CDECODESHIM_H

#include "qf_decode.h"
#include "qf_payloads.h"
#include "qf_codecs.h"

#endif
