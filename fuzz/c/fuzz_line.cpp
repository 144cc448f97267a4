// libFuzzer target: qf_parse_line (raw CDP events and Selenium perf-log entries), then the
// decoded frame payload through qf_parse_event / qf_parse_payload exactly as the decoder does.
// The input is handed over twice: with exactly `len` readable bytes (the shim copies it into
// padded scratch) and, when it fits, in place with QF_PADDING readable bytes after it. Then once
// more with the fast paths off: both must give the same status, and the same fields.
#include "qf_payloads.h"
#include "fuzz_support.h"


#include <cmath>
#include <cstring>
#include <string>
#include <vector>

static bool same_bytes(qf_bytes a, qf_bytes b) {
    return a.len == b.len && (a.len == 0 || std::memcmp(a.ptr, b.ptr, a.len) == 0);
}

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

    // Differential: the hand-written fast paths (frame template, CDP scanner, flat perf-log scan)
    // must decide exactly as simdjson alone does – the same status, with the same fields.
    static qf_parser *plain_parser = qf_parser_create(1 << 20);
    qf_frame plain;
    qf_decode_set_fast_paths(0);
    qf_status ps = qf_parse_line(plain_parser, exact.data(), size, size, &plain);
    qf_decode_set_fast_paths(1);
    s = qf_parse_line(parser, exact.data(), size, size, &frame);
    // A line the fast paths reject is judged again by simdjson alone: the same status, always.
    if (s != ps) __builtin_trap();
    if (s == QF_OK) {
        if (frame.form != plain.form || frame.method != plain.method || frame.opcode != plain.opcode ||
            frame.has_payload != plain.has_payload || frame.reply_id != plain.reply_id)
            __builtin_trap();
        // simdjson and std::from_chars may round a number of 20+ significant digits one ulp apart
        bool same_time = (std::isnan(frame.timestamp) && std::isnan(plain.timestamp)) || frame.timestamp == plain.timestamp ||
                         std::nextafter(frame.timestamp, plain.timestamp) == plain.timestamp;
        if (!same_time) __builtin_trap();
        if (!same_bytes(frame.request_id, plain.request_id) || !same_bytes(frame.method_name, plain.method_name) ||
            !same_bytes(frame.url, plain.url) || (frame.has_payload && !same_bytes(frame.payload, plain.payload)))
            __builtin_trap();
    }
    return 0;
}
