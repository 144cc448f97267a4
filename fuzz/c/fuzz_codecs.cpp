// libFuzzer target: the two byte transforms, qf_base64_decode and qf_json_unescape, into
// exact-size heap buffers (ASan catches a write past the documented bound), plus a round trip
// check: valid base64 re-encoded must decode to the same bytes.
#include "qf_codecs.h"
#include "fuzz_support.h"

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

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::vector<uint8_t> src(data, data + size);
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
