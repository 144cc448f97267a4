// libFuzzer target: every PocketOption payload parser. The first input byte picks the entry
// point and kind; the rest is the payload:
//   0      qf_parse_event (a Socket.IO event array: updateStream, updateHistoryNewFast,
//          loadHistoryPeriodFast, updateCharts, updateAssets, anything else)
//   1…6    qf_parse_payload with kind UNKNOWN (classify by shape), UPDATE_STREAM,
//          HISTORY_NEW_FAST, LOAD_HISTORY_PERIOD, UPDATE_CHARTS, UPDATE_ASSETS
// Bit 7 of the selector shrinks the caller's result buffers to 1 element (QF_E_CAPACITY path).
#include "qf_payloads.h"
#include "fuzz_support.h"

#include <cstring>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static qf_parser *parser = qf_parser_create(1 << 20);
    static PayloadBuffers buffers;
    if (size < 1) return 0;
    uint8_t selector = data[0];
    bool small = selector & 0x80;
    int which = (selector & 0x7f) % 7;
    const uint8_t *body = data + 1;
    size_t len = size - 1;
    // The contract: QF_PADDING readable bytes after the payload (zeros, as the decoder gives).
    std::vector<uint8_t> padded(len + QF_PADDING, 0);
    if (len) std::memcpy(padded.data(), body, len);
    qf_payload out = buffers.payload(small ? 1 : 0);
    qf_status s;
    if (which == 0) {
        s = qf_parse_event(parser, padded.data(), len, &out);
    } else {
        static const int32_t kinds[] = {QF_EVENT_UNKNOWN, QF_EVENT_UPDATE_STREAM, QF_EVENT_HISTORY_NEW_FAST,
                                        QF_EVENT_LOAD_HISTORY_PERIOD, QF_EVENT_UPDATE_CHARTS, QF_EVENT_UPDATE_ASSETS};
        s = qf_parse_payload(parser, kinds[which - 1], padded.data(), len, &out);
    }
    check_status(s);
    if (s == QF_OK || s == QF_E_CAPACITY) check_payload(out);
    return 0;
}
