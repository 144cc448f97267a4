// json_grammar.h – private to CSupport: the JSON number grammar (RFC 8259 §6) for the shim's
// hand-written scanners, which must reject exactly what simdjson rejects. std::from_chars alone
// is more lenient: it takes `01`, `1.`, `1.e5`, `inf` and `nan`.
#ifndef QF_JSON_GRAMMAR_H
#define QF_JSON_GRAMMAR_H

#include <charconv>
#include <cstring>
#include <string_view>

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

/// The end of the JSON literal (`true`, `false`, `null`) starting at `p`, or nullptr.
inline const char *json_literal_end(const char *p, const char *end) {
    static constexpr std::string_view words[] = {"true", "false", "null"};
    for (auto w : words)
        if (static_cast<size_t>(end - p) >= w.size() && std::memcmp(p, w.data(), w.size()) == 0) return p + w.size();
    return nullptr;
}

/// Converts the JSON number at `p` into `out` (a double, or an integer type that must hold it
/// exactly: `1.0`, `1e3` or one past the type's range fail) and returns the byte after it, or
/// nullptr when the bytes are not a JSON number or do not convert. std::from_chars alone is more
/// lenient than the grammar (see above), so the grammar goes first.
template <typename T>
inline const char *json_number_convert(const char *p, const char *end, T &out) {
    const char *stop = json_number_end(p, end);
    if (!stop) return nullptr;
    auto r = std::from_chars(p, stop, out);
    return r.ec == std::errc() && r.ptr == stop ? stop : nullptr;
}

}  // namespace qf

#endif
