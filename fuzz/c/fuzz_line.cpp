// libFuzzer target: qf_parse_line (raw CDP events and Selenium perf-log entries), then the
// decoded frame payload through qf_parse_event / qf_parse_payload exactly as the decoder does.
// The input is handed over twice: with exactly `len` readable bytes (the shim copies it into
// padded scratch) and, when it fits, in place with QF_PADDING readable bytes after it.
#include "qf_payloads.h"
#include "fuzz_support.h"

#include <cstring>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static qf_parser *parser = qf_parser_create(1 << 20);
    static PayloadBuffers buffers;

    qf_frame frame;
    // Exact-size heap copy: ASan catches any read past `size`.
    std::vector<uint8_t> exact(data, data + size);
    qf_status s = qf_parse_line(parser, exact.data(), size, size, &frame);
    check_status(s);
    if (s == QF_OK && frame.has_payload) {
        touch(frame.payload.ptr, frame.payload.len + QF_PADDING);
        qf_payload out = buffers.payload();
        if (frame.opcode == 1) {
            // Text frame: Engine.IO/Socket.IO. Skip the "42" / "451-" header like the decoder.
            const uint8_t *p = frame.payload.ptr;
            size_t n = frame.payload.len;
            size_t i = 0;
            while (i < n && p[i] >= '0' && p[i] <= '9') i++;
            if (i < n && p[i] == '-') i++;
            check_status(qf_parse_event(parser, p + i, n - i, &out));
        } else {
            check_status(qf_parse_payload(parser, QF_EVENT_UNKNOWN, frame.payload.ptr, frame.payload.len, &out));
        }
        check_payload(out);
    }

    // In place with padding (the JSONL reader's path).
    std::vector<uint8_t> padded(size + QF_PADDING, 0);
    if (size) std::memcpy(padded.data(), data, size);
    check_status(qf_parse_line(parser, padded.data(), size, padded.size(), &frame));
    return 0;
}
