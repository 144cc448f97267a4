// cdp_scan.cpp – a small, strict scanner for the CDP events qflux reads, in place of a general
// JSON parser: nearly every line is a Network.webSocketFrameReceived event of a dozen fields, and
// walking them directly costs a fraction of building simdjson's structural index first. Every
// byte is checked against the JSON grammar for the subset it accepts; anything outside that
// subset returns ScanResult::fallback and the line goes through simdjson instead.

#include "cdp_fields.h"
#include "json_grammar.h"

#include <charconv>
#include <cstddef>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace qf {
namespace {

enum class Path { root, params, response, other };

/// Deepest object nesting the scanner walks; CDP events nest 3 levels (event, params, response),
/// a perf-log message one more. Deeper documents are left to simdjson.
constexpr int kMaxDepth = 8;

struct Scanner {
    const uint8_t *p;
    const uint8_t *end;
    CdpFields &f;
    bool fallback = false;   // leave it to simdjson
    bool malformed = false;  // definitely not JSON

    bool fail_fallback() { fallback = true; return false; }
    bool fail_malformed() { malformed = true; return false; }

    void space() {
        while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
    }

    /// Exactly the bytes of `glue` at p, nothing in between: the fixed parts of the frame template.
    bool glue(std::string_view glue) {
        if (static_cast<size_t>(end - p) < glue.size() || std::memcmp(p, glue.data(), glue.size()) != 0)
            return fail_fallback();
        p += glue.size();
        return true;
    }

    bool expect(uint8_t c) {
        space();
        if (p == end) return fail_malformed();
        if (*p != c) return fail_fallback();
        p++;
        return true;
    }

    /// Finds the first byte at or after `q` that is an unescaped quote, or a control or
    /// non-ASCII byte escaped or not (an escaped byte is still a string byte: simdjson rejects a
    /// control byte and checks UTF-8 wherever they stand), skipping every other escaped byte:
    /// 16 bytes per step whatever the escape density, escapes found with simdjson's
    /// odd-backslash-run arithmetic and carried across blocks. Returns `end` or a position past
    /// it when the string does not end before `end`.
    static const uint8_t *next_unescaped_special(const uint8_t *q, const uint8_t *end) {
#if defined(__SSE2__)
        const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
        const __m128i space = _mm_set1_epi8(0x20);
        const uint64_t odd_bits = 0xAAAAAAAAAAAAAAAAULL;
        uint64_t carry = 0;  // 1 when the block's first byte is escaped
        while (q < end) {
            __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(q));
            uint64_t bs = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, backslash)));
            uint64_t quotes = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)));
            // signed compare: bytes >= 0x80 are negative, so v < 0x20 catches them and controls
            uint64_t odd_bytes = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpgt_epi8(space, v)));
            uint64_t starts = bs & ~carry;
            uint64_t codes = (((starts << 1) | odd_bits) - starts) ^ odd_bits;
            uint64_t escaped = codes ^ (bs | carry);
            uint64_t hit = ((quotes & ~escaped) | odd_bytes) & 0xFFFF;
            if (hit) return q + __builtin_ctzll(hit);
            carry = (codes & bs) >> 15 & 1;
            q += 16;
        }
        return end;
#else
        while (q < end) {
            if (*q == '\\') {
                if (q + 1 < end && (q[1] < 0x20 || q[1] >= 0x80)) return q + 1;
                q += 2;
                continue;
            }
            if (*q == '"' || *q < 0x20 || *q >= 0x80) return q;
            q++;
        }
        return q;
#endif
    }

    /// A plain string inside an escaped JSON string (a perf-log message read without unescaping
    /// it): the content up to `\"`, which must hold no other escape, quote, control byte or
    /// non-ASCII byte – anything else is left to the unescaping path.
    bool escaped_plain_string(std::string_view &out) {
        const uint8_t *start = p;
        const uint8_t *q = qf::next_special(p, end);
        if (q + 1 >= end || q[0] != '\\' || q[1] != '"') return fail_fallback();
        out = std::string_view(reinterpret_cast<const char *>(start), static_cast<size_t>(q - start));
        p = q + 2;
        return true;
    }

    /// A JSON string inside an escaped JSON string (payloadData of a perf-log message), from just
    /// after its escaped opening quote: its raw content, as the unescaped message would hold it.
    /// With no escape inside (base64), a view of the line; else the outer level is unescaped into
    /// `scratch` up to the string's end – only `\\`, `\"` and `\/` at that level (what JSON text
    /// in a perf-log holds); anything else is left to the unescaping path.
    bool escaped_inner_string(uint8_t *scratch, std::string_view &out) {
        const uint8_t *start = p;
        const uint8_t *q = qf::next_special(p, end);
        if (q + 1 < end && q[0] == '\\' && q[1] == '"') {
            out = std::string_view(reinterpret_cast<const char *>(start), static_cast<size_t>(q - start));
            p = q + 2;
            return true;
        }
        uint8_t *o = scratch;
        bool inner_escape = false;  // the last byte written started an escape of the inner string
        while (true) {
            if (q >= end) return fail_fallback();
            std::memcpy(o, p, static_cast<size_t>(q - p));  // plain bytes up to the special one
            if (q > p) inner_escape = false;
            o += q - p;
            p = q;
            if (*p != '\\' || p + 1 >= end) return fail_fallback();
            uint8_t c = p[1];
            if (c != '\\' && c != '"' && c != '/') return fail_fallback();
            p += 2;
            if (c == '"' && !inner_escape) break;  // the inner string's closing quote
            *o++ = c;
            inner_escape = c == '\\' && !inner_escape;
            q = qf::next_special(p, end);
        }
        out = std::string_view(reinterpret_cast<const char *>(scratch), static_cast<size_t>(o - scratch));
        return true;
    }

    /// A text frame's payloadData inside an escaped JSON string, from just after its escaped
    /// opening quote, unescaped at both levels in one pass into `dst` (room for `end - p` bytes
    /// plus 16): the frame's final text in `f.payload_text`. Plain bytes go 16 at a time (stored
    /// unconditionally: the output never runs ahead of the input). Takes the common escapes of
    /// JSON text: `\/` at the message's level, and inside it `\"`, `\\`, `\/`, `\b`, `\f`,
    /// `\n`, `\r`, `\t` (`\\\"`, `\\\\`, `\\\/`, `\\/`, `\\n`, … in the line). Anything else
    /// (`\u`, a bad escape, a byte escaped_inner_string would refuse) starts over with
    /// escaped_inner_string, so the line is judged exactly as the two-pass path judges it.
    bool escaped_inner_text(uint8_t *dst, std::string_view &out) {
        const uint8_t *const start = p;
        const uint8_t *s = p;
        uint8_t *o = dst;
        while (true) {
            s = qf::copy_plain_bytes(s, end, o);
            if (end - s < 2 || s[0] != '\\') break;
            uint8_t c = s[1];
            if (c == '"') {  // the inner string's closing quote
                p = s + 2;
                f.payload_text = dst;
                f.payload_text_size = static_cast<size_t>(o - dst);
                out = std::string_view();
                return true;
            }
            if (c == '/') {
                *o++ = '/';
                s += 2;
                continue;
            }
            if (c != '\\' || end - s < 4) break;
            uint8_t d = s[2];  // the inner escape's letter, itself escaped at the message's level or not
            if (d == '\\') {
                uint8_t e = s[3];
                if (e != '"' && e != '\\' && e != '/') break;
                *o++ = e;
                s += 4;
            } else {
                // `/` or a letter; a bare quote here would end the message string itself
                uint8_t byte = d == '"' ? 0 : short_escape(d);
                if (!byte) break;
                *o++ = byte;
                s += 3;
            }
        }
        p = start;
        return escaped_inner_string(dst, out);
    }

    /// A string without escapes or non-ASCII: the key names and ids of CDP.
    bool plain_string(std::string_view &out) {
        if (p == end || *p != '"') return fail_fallback();
        const uint8_t *start = ++p;
        const uint8_t *q = qf::next_special(p, end);
        if (q >= end) return fail_malformed();
        if (*q != '"') return *q < 0x20 ? fail_malformed() : fail_fallback();
        out = std::string_view(reinterpret_cast<const char *>(start), static_cast<size_t>(q - start));
        p = q + 1;
        return true;
    }

    /// Any string: escapes allowed (kept raw; validated when decoded), non-ASCII left to simdjson.
    bool raw_string(std::string_view &out) {
        if (p == end || *p != '"') return fail_fallback();
        const uint8_t *start = ++p;
        // Escapes are checked when the string is decoded (simdjson too checks them only then).
        const uint8_t *q = next_unescaped_special(p, end);
        if (q >= end) return fail_malformed();
        if (*q != '"') return *q < 0x20 ? fail_malformed() : fail_fallback();
        out = std::string_view(reinterpret_cast<const char *>(start), static_cast<size_t>(q - start));
        p = q + 1;
        return true;
    }

    /// A text frame's payloadData (opcode 1): the string unescaped as it is scanned, in one pass
    /// into `dst` (room for `end - p` bytes plus 16), as the frame's final text in
    /// `f.payload_text`. Plain bytes go 16 at a time (stored unconditionally: the output never
    /// runs ahead of the input); `\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r` and `\t` are taken
    /// inline. Anything else (`\u`, a bad escape, a control or non-ASCII byte, no closing quote)
    /// starts over with raw_string, so the line is judged exactly as the two-pass path judges it.
    bool text_string(uint8_t *dst) {
        if (p == end || *p != '"') return fail_fallback();
        const uint8_t *const open = p;
        const uint8_t *s = p + 1;
        uint8_t *o = dst;
        while (true) {
            s = qf::copy_plain_bytes(s, end, o);
            if (s >= end) break;
            if (*s == '"') {
                f.payload_text = dst;
                f.payload_text_size = static_cast<size_t>(o - dst);
                f.payload_raw = std::string_view();
                p = s + 1;
                return true;
            }
            if (*s != '\\' || end - s < 2) break;
            uint8_t byte = short_escape(s[1]);
            if (!byte) break;
            *o++ = byte;
            s += 2;
        }
        p = open;
        return raw_string(f.payload_raw);
    }

    /// The byte a two-character escape `\c` stands for (`"`, `\`, `/`, b, f, n, r, t), or 0.
    static uint8_t short_escape(uint8_t c) {
        switch (c) {
        case '"': return '"';
        case '\\': return '\\';
        case '/': return '/';
        case 'b': return '\b';
        case 'f': return '\f';
        case 'n': return '\n';
        case 'r': return '\r';
        case 't': return '\t';
        default: return 0;
        }
    }

    /// A JSON number's token, checked against the grammar but not converted (a timestamp is
    /// converted later only when wanted; a skipped value never). Fallback when it is not one.
    bool number_token(std::string_view &out) {
        if (p == end) return fail_malformed();
        if (!((*p >= '0' && *p <= '9') || *p == '-')) return fail_fallback();
        const char *at = reinterpret_cast<const char *>(p);
        const char *after = json_number_end(at, reinterpret_cast<const char *>(end));
        if (!after) return fail_fallback();
        out = std::string_view(at, static_cast<size_t>(after - at));
        p = reinterpret_cast<const uint8_t *>(after);
        return true;
    }

    /// An integer where CDP has one: 1.0, 1e3 or one past int64 is left to simdjson. One digit
    /// before a byte that cannot continue a number (every opcode) is read directly.
    bool integer(int64_t &out) {
        if (p == end) return fail_malformed();
        if (end - p >= 2 && is_digit(p[0]) && !is_digit(p[1]) && p[1] != '.' && p[1] != 'e' && p[1] != 'E') {
            out = p[0] - '0';
            p++;
            return true;
        }
        return json_value(out);
    }

    static bool is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

    /// Any JSON number into `out` (json_number_convert); fallback when it is not one.
    template <typename T>
    bool json_value(T &out) {
        const char *after = json_number_convert(reinterpret_cast<const char *>(p), reinterpret_cast<const char *>(end), out);
        if (!after) return fail_fallback();
        p = reinterpret_cast<const uint8_t *>(after);
        return true;
    }

    bool literal() {
        const char *after = json_literal_end(reinterpret_cast<const char *>(p), reinterpret_cast<const char *>(end));
        if (!after) return fail_fallback();
        p = reinterpret_cast<const uint8_t *>(after);
        return true;
    }

    /// Skips a value we don't need (strings, numbers, literals, nested objects; arrays → simdjson).
    bool skip_value(int depth) {
        space();
        if (p == end) return fail_malformed();
        std::string_view ignored;
        switch (*p) {
        case '"': return raw_string(ignored);
        case '{': return object(Path::other, depth + 1);
        case 't': case 'f': case 'n': return literal();
        default: return number_token(ignored);
        }
    }

    bool object(Path path, int depth) {
        if (depth > kMaxDepth) return fail_fallback();
        if (!expect('{')) return false;
        space();
        if (p < end && *p == '}') { p++; return true; }
        while (true) {
            space();
            std::string_view key;
            if (!plain_string(key)) return false;
            if (!expect(':')) return false;
            space();
            if (!member(path, key, depth)) return false;
            space();
            if (p == end) return fail_malformed();
            if (*p == ',') { p++; continue; }
            if (*p == '}') { p++; return true; }
            return fail_malformed();
        }
    }

    bool member(Path path, std::string_view key, int depth) {
        switch (path) {
        case Path::root:
            if (key == "method") { f.has_method = true; return plain_string(f.method); }
            if (key == "params") return object(Path::params, depth + 1);
            if (key == "id") { f.has_reply = true; return integer(f.reply_id); }
            // `message` beside no `method` makes the line a perf-log entry for the line layer
            // (parse_line_simdjson): that classification is simdjson's to make.
            if (key == "message") return fail_fallback();
            break;
        case Path::params:
            if (key == "requestId") return plain_string(f.request_id);
            if (key == "timestamp") return number_token(f.timestamp_text);
            if (key == "response") return object(Path::response, depth + 1);
            if (key == "url") return plain_string(f.url);
            break;
        case Path::response:
            if (key == "opcode") return integer(f.opcode);
            if (key == "payloadData") { f.has_payload = true; return raw_string(f.payload_raw); }
            break;
        case Path::other:
            break;
        }
        return skip_value(depth);
    }
};

}  // namespace

ScanResult match_frame_event(const uint8_t *begin, const uint8_t *end, bool wrapped, uint8_t *scratch, CdpFields &f) {
    Scanner s{begin, end, f};
    std::string_view webview;
    // Glue and values in Chrome's order; each value read by the general scanner's own reader.
    bool ok = (!wrapped || s.glue("{\"message\":")) &&
              s.glue("{\"method\":") && s.plain_string(f.method) &&
              s.glue(",\"params\":{\"requestId\":") && s.plain_string(f.request_id) &&
              s.glue(",\"timestamp\":") && s.number_token(f.timestamp_text) &&
              s.glue(",\"response\":{\"opcode\":") && s.integer(f.opcode) &&
              s.glue(",\"mask\":") && s.literal() &&
              s.glue(",\"payloadData\":") &&
              (f.opcode == kOpcodeText ? s.text_string(scratch) : s.raw_string(f.payload_raw)) &&
              s.glue("}}}") &&
              (!wrapped || (s.glue(",\"webview\":") && s.plain_string(webview) && s.glue("}")));
    if (!ok) return s.malformed ? ScanResult::malformed : ScanResult::fallback;
    if (s.p != s.end) return ScanResult::fallback;
    f.has_method = true;
    f.has_payload = true;
    return ScanResult::parsed;
}

ScanResult match_escaped_frame_event(const uint8_t *begin, const uint8_t *end, uint8_t *scratch, CdpFields &f,
                                     const uint8_t **after) {
    Scanner s{begin, end, f};
    std::string_view webview;
    bool ok = s.glue("{\\\"message\\\":{\\\"method\\\":\\\"") && s.escaped_plain_string(f.method) &&
              s.glue(",\\\"params\\\":{\\\"requestId\\\":\\\"") && s.escaped_plain_string(f.request_id) &&
              s.glue(",\\\"timestamp\\\":") && s.number_token(f.timestamp_text) &&
              s.glue(",\\\"response\\\":{\\\"opcode\\\":") && s.integer(f.opcode) &&
              s.glue(",\\\"mask\\\":") && s.literal() &&
              s.glue(",\\\"payloadData\\\":\\\"") &&
              (f.opcode == kOpcodeText ? s.escaped_inner_text(scratch, f.payload_raw)
                                       : s.escaped_inner_string(scratch, f.payload_raw)) &&
              s.glue("}}},\\\"webview\\\":\\\"") && s.escaped_plain_string(webview) && s.glue("}\"");
    if (!ok) return ScanResult::fallback;
    f.has_method = true;
    f.has_payload = true;
    *after = s.p;
    return ScanResult::parsed;
}

ScanResult scan_cdp(const uint8_t *begin, const uint8_t *end, bool wrapped, CdpFields &f) {
    Scanner s{begin, end, f};
    bool ok;
    if (wrapped) {
        // {"message":{CDP event},"webview":"…"} in any order.
        ok = s.expect('{');
        bool found = false;
        while (ok) {
            s.space();
            std::string_view key;
            if (!(ok = s.plain_string(key))) break;
            if (!(ok = s.expect(':'))) break;
            s.space();
            if (key == "message") {
                if (found) { ok = s.fail_fallback(); break; }
                found = true;
                ok = s.object(Path::root, 1);
            } else {
                ok = s.skip_value(1);
            }
            if (!ok) break;
            s.space();
            if (s.p == s.end) { ok = s.fail_malformed(); break; }
            if (*s.p == ',') { s.p++; continue; }
            if (*s.p == '}') { s.p++; break; }
            ok = s.fail_malformed();
        }
        if (ok && !found) ok = s.fail_fallback();
    } else {
        s.space();
        ok = s.object(Path::root, 0);
    }
    if (ok) {
        s.space();
        if (s.p != s.end) return ScanResult::fallback;  // trailing bytes: let simdjson judge
        return ScanResult::parsed;
    }
    return s.malformed ? ScanResult::malformed : ScanResult::fallback;
}

}  // namespace qf
