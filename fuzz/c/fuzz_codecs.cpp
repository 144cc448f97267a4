// libFuzzer target: the byte transforms, qf_base64_decode, qf_json_unescape and
// qf_json_unescape_string, from exact-size inputs into exact-size heap buffers (ASan catches a
// read past the input or a write past the documented bound), plus a round trip check: valid
// base64 re-encoded must decode to the same bytes. Every transform runs twice, dispatched (the
// AVX2 / AVX-512 kernels this CPU has) and forced portable, and traps on any difference in
// result, bytes or end position; base64 also runs in place (dst == src), as the line layer uses it.
#include "qf_codecs.h"
#include "fuzz_support.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

static std::vector<uint8_t> encode64(const uint8_t *p, size_t n) {
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::vector<uint8_t> out;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = uint32_t(p[i]) << 16 | (i + 1 < n ? uint32_t(p[i + 1]) << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
        out.push_back(a[v >> 18 & 63]);
        out.push_back(a[v >> 12 & 63]);
        out.push_back(i + 1 < n ? a[v >> 6 & 63] : '=');
        out.push_back(i + 2 < n ? a[v & 63] : '=');
    }
    return out;
}

struct Unescaped {
    ptrdiff_t n;
    std::vector<uint8_t> out;
    ptrdiff_t after;
};

static Unescaped unescape_string(const std::vector<uint8_t> &src, size_t size) {
    std::vector<uint8_t> out(size + 64);  // the room qf_codecs.h documents
    const uint8_t *after = nullptr;
    ptrdiff_t n = qf_json_unescape_string(src.data(), src.data() + size, out.data(), &after);
    if (n > (ptrdiff_t)size) __builtin_trap();
    if (n >= 0 && (after <= src.data() || after > src.data() + size)) __builtin_trap();
    out.resize(n > 0 ? (size_t)n : 0);
    return {n, out, n >= 0 ? after - src.data() : -1};
}

static void differential(const std::vector<uint8_t> &src, size_t size) {
    qf_codecs_force_portable(1);
    std::vector<uint8_t> b64p(qf_base64_decoded_max(size));
    ptrdiff_t np = qf_base64_decode(src.data(), size, b64p.data());
    std::vector<uint8_t> unp(size ? size : 1);
    ptrdiff_t up = qf_json_unescape(src.data(), size, unp.data());
    Unescaped sp = unescape_string(src, size);
    qf_codecs_force_portable(0);
    std::vector<uint8_t> b64d(qf_base64_decoded_max(size));
    ptrdiff_t nd = qf_base64_decode(src.data(), size, b64d.data());
    if (nd != np || (np > 0 && std::memcmp(b64p.data(), b64d.data(), (size_t)np) != 0)) __builtin_trap();
    // In place: decode a copy of the input over itself.
    std::vector<uint8_t> in_place(std::max(size, qf_base64_decoded_max(size)));
    if (size) std::memcpy(in_place.data(), src.data(), size);
    ptrdiff_t ni = qf_base64_decode(in_place.data(), size, in_place.data());
    if (ni != np || (np > 0 && std::memcmp(b64p.data(), in_place.data(), (size_t)np) != 0)) __builtin_trap();
    std::vector<uint8_t> und(size ? size : 1);
    ptrdiff_t ud = qf_json_unescape(src.data(), size, und.data());
    if (ud != up || (up > 0 && std::memcmp(unp.data(), und.data(), (size_t)up) != 0)) __builtin_trap();
    Unescaped sd = unescape_string(src, size);
    if (sd.n != sp.n || sd.after != sp.after || sd.out != sp.out) __builtin_trap();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::vector<uint8_t> src(data, data + size);
    differential(src, size);
    std::vector<uint8_t> dst(qf_base64_decoded_max(size));
    ptrdiff_t n = qf_base64_decode(src.data(), size, dst.data());
    if (n > (ptrdiff_t)qf_base64_decoded_max(size)) __builtin_trap();
    if (n >= 0) {
        std::vector<uint8_t> again = encode64(dst.data(), (size_t)n);
        std::vector<uint8_t> back(qf_base64_decoded_max(again.size()));
        ptrdiff_t m = qf_base64_decode(again.data(), again.size(), back.data());
        if (m != n || (n && std::memcmp(back.data(), dst.data(), (size_t)n) != 0)) __builtin_trap();
    }
    std::vector<uint8_t> un(size ? size : 1);
    ptrdiff_t u = qf_json_unescape(src.data(), size, un.data());
    if (u > (ptrdiff_t)size) __builtin_trap();  // unescaping never grows the text
    return 0;
}
