// json_grammar.h – private to CSupport: the JSON number grammar (RFC 8259 §6) for the shim's
// hand-written scanners, which must reject exactly what simdjson rejects. std::from_chars alone
// is more lenient: it takes `01`, `1.`, `1.e5`, `inf` and `nan`.
#ifndef QF_JSON_GRAMMAR_H
#define QF_JSON_GRAMMAR_H

namespace qf {

/// The end of the JSON number starting at `p` (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`),
/// or nullptr when the bytes from `p` do not start with one. The caller still checks what follows
/// (a digit cannot: the grammar takes every digit it can).
inline const char *json_number_end(const char *p, const char *end) {
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    const char *q = p;
    if (q < end && *q == '-') q++;
    if (q == end || !digit(*q)) return nullptr;
    if (*q == '0') {
        q++;
    } else {
        while (q < end && digit(*q)) q++;
    }
    if (q < end && *q == '.') {
        q++;
        if (q == end || !digit(*q)) return nullptr;
        while (q < end && digit(*q)) q++;
    }
    if (q < end && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < end && (*q == '+' || *q == '-')) q++;
        if (q == end || !digit(*q)) return nullptr;
        while (q < end && digit(*q)) q++;
    }
    return q;
}

}  // namespace qf

#endif
