// shim_parser.cpp – the parser handle of qf_decode.h: creating and destroying a `qf_parser`
// (see shim_internal.h for what it holds) and the switch that turns the fast paths off.

#include "shim_internal.h"

#include <new>

namespace qf {

int fast_paths_flag = 1;

}  // namespace qf

qf_parser::qf_parser(size_t max)
    : max_bytes(max), outer(max), inner(max), payload(max), settings(qf::kSettingsMaxBytes) {}

extern "C" {

qf_parser *qf_parser_create(size_t max_bytes) {
    return qf::c_boundary<qf_parser *>(nullptr, [&]() -> qf_parser * {
        return new (std::nothrow) qf_parser(max_bytes == 0 ? qf::kDefaultMaxBytes : max_bytes);
    });
}

void qf_parser_destroy(qf_parser *parser) {
    // Destructors are noexcept (simdjson's and PaddedBuffer's free their memory): nothing can throw.
    delete parser;
}

void qf_parser_set_timestamps(qf_parser *parser, int on) { parser->timestamps = on != 0; }

void qf_decode_set_fast_paths(int on) { __atomic_store_n(&qf::fast_paths_flag, on ? 1 : 0, __ATOMIC_RELAXED); }

}  // extern "C"
