// broker_payloads.cpp – the broker payload layer of qf_payloads.h: PocketOption's Socket.IO
// events (`["name", arg…]`, qf_parse_event) and binary attachments (qf_parse_payload) parsed
// into the caller's tick, candle and chart arrays:
//   updateStream           [[asset, time, price], …]                 ticks (a byte-level fast path)
//   updateHistoryNewFast   {asset, period, history:[[t,p]…], candles:[[t,o,c,h,l(,v)]…]}
//   loadHistoryPeriodFast  {asset, index, data:[{time,open,close,high,low}…], period}
//   updateCharts           [{chart_id, settings:"{…symbol,chartPeriod…}"}…]     charts
//   updateAssets           [[id, symbol, …, payout (5), …], …]        payouts (asset_rows.cpp)
// An attachment whose header came before qflux attached is recognised by its shape.
// The input is a frame payload from qf_parse_line (unescaped text or base64-decoded bytes, with
// QF_PADDING readable bytes after it), parsed in place.
//
// No exception leaves this file: the extern "C" entry points run their bodies in qf::c_boundary.

#include "shim_internal.h"

#include <charconv>
#include <cstring>
#include <limits>
#include <string_view>

using namespace simdjson;
using simdjson::ondemand::raw_json_string;

namespace {

using qf::bytes_of;

/// The event that carries live ticks, and the binary header that precedes almost every tick
/// attachment (its one placeholder is the attachment).
constexpr std::string_view kStreamEventName = "updateStream";
constexpr std::string_view kStreamHeader = "[\"updateStream\",{\"_placeholder\":true,\"num\":0}]";
/// Where the event name starts in kStreamHeader: after `["`.
constexpr size_t kStreamHeaderNameOffset = 2;
static_assert(kStreamHeader.substr(kStreamHeaderNameOffset, kStreamEventName.size()) == kStreamEventName);

/// The start of a binary placeholder argument, `{"_placeholder":true,"num":N}`.
constexpr std::string_view kPlaceholderMarker = "{\"_placeholder\":true";

/// A time above this is in milliseconds: 1e12 s is ~31,700 years away, 1e12 ms is 2001.
constexpr double kEpochMillisThreshold = 1e12;
/// A history period (seconds) at or above this is implausible (~3 years) and reported as absent.
constexpr int64_t kMaxPeriodSeconds = 100000000;

/// Columns of an updateStream tick tuple: asset, time, price (extra columns are ignored).
constexpr int kTickColumns = 3;
/// Columns of a history tick pair: time, price.
constexpr int kHistoryTickColumns = 2;
/// Columns of a candle row: time, open, close, high, low, and an optional volume.
constexpr int kCandleColumns = 6;
constexpr int kCandleRequiredColumns = 5;

/// The fields a candle object must have (loadHistoryPeriodFast), one bit each.
enum CandleField : int {
    kCandleTime = 1 << 0,
    kCandleOpen = 1 << 1,
    kCandleClose = 1 << 2,
    kCandleHigh = 1 << 3,
    kCandleLow = 1 << 4,
    kCandleAllFields = kCandleTime | kCandleOpen | kCandleClose | kCandleHigh | kCandleLow,
};

inline double normalize_epoch(double t) { return t > kEpochMillisThreshold ? t / 1000.0 : t; }

qf_event_kind event_from_name(std::string_view n) {
    if (n == kStreamEventName) return QF_EVENT_UPDATE_STREAM;
    if (n == "updateHistoryNewFast") return QF_EVENT_HISTORY_NEW_FAST;
    if (n == "loadHistoryPeriodFast") return QF_EVENT_LOAD_HISTORY_PERIOD;
    if (n == "updateCharts") return QF_EVENT_UPDATE_CHARTS;
    if (n == "updateAssets") return QF_EVENT_UPDATE_ASSETS;
    return QF_EVENT_OTHER;
}

// ---------------------------------------------------------------------------------------------
// Market values through simdjson.
// ---------------------------------------------------------------------------------------------

/// [[asset, time, price], …] – every tuple.
qf_status parse_stream(ondemand::array arr, qf_payload *out) {
    size_t n = 0;
    for (auto item_result : arr) {
        ondemand::array tuple;
        QF_TRY(item_result.get_array().get(tuple));
        std::string_view asset;
        double t = 0, price = 0;
        int field_index = 0;
        for (auto part : tuple) {
            switch (field_index) {
            case 0: QF_TRY(part.get_string().get(asset)); break;
            case 1: QF_TRY(part.get_double().get(t)); break;
            case 2: QF_TRY(part.get_double().get(price)); break;
            default: break;  // tolerate extra columns
            }
            field_index++;
        }
        if (field_index < kTickColumns || asset.empty()) return QF_E_SHAPE;
        if (n < out->ticks_cap) out->ticks[n] = qf_tick{bytes_of(asset), normalize_epoch(t), price};
        n++;
    }
    out->n_ticks = n < out->ticks_cap ? n : out->ticks_cap;
    out->ticks_needed = n;
    out->kind = QF_EVENT_UPDATE_STREAM;
    return n > out->ticks_cap ? QF_E_CAPACITY : QF_OK;
}

/// [[t, price], …] history ticks.
qf_status parse_history_ticks(ondemand::array arr, qf_payload *out, size_t &n) {
    for (auto item_result : arr) {
        ondemand::array pair;
        QF_TRY(item_result.get_array().get(pair));
        double v[kHistoryTickColumns] = {0, 0};
        int k = 0;
        for (auto part : pair) {
            if (k < kHistoryTickColumns) QF_TRY(part.get_double().get(v[k]));
            k++;
        }
        if (k < kHistoryTickColumns) return QF_E_SHAPE;
        if (n < out->ticks_cap) out->ticks[n] = qf_tick{qf_bytes{nullptr, 0}, normalize_epoch(v[0]), v[1]};
        n++;
    }
    return QF_OK;
}

/// [[t, open, close, high, low(, volume)], …]
qf_status parse_candle_rows(ondemand::array arr, qf_payload *out, size_t &n) {
    for (auto item_result : arr) {
        ondemand::array row;
        QF_TRY(item_result.get_array().get(row));
        double v[kCandleColumns] = {0, 0, 0, 0, 0, std::numeric_limits<double>::quiet_NaN()};
        int k = 0;
        for (auto part : row) {
            if (k < kCandleColumns) QF_TRY(part.get_double().get(v[k]));
            k++;
        }
        if (k < kCandleRequiredColumns) return QF_E_SHAPE;
        if (n < out->candles_cap) out->candles[n] = qf_candle{normalize_epoch(v[0]), v[1], v[2], v[3], v[4], v[5]};
        n++;
    }
    return QF_OK;
}

/// [{time, open, close, high, low(, volume)}, …] (loadHistoryPeriodFast's data)
qf_status parse_candle_objects(ondemand::array arr, qf_payload *out, size_t &n) {
    for (auto item_result : arr) {
        ondemand::object obj;
        QF_TRY(item_result.get_object().get(obj));
        qf_candle c{0, 0, 0, 0, 0, std::numeric_limits<double>::quiet_NaN()};
        int seen = 0;
        for (auto field_result : obj) {
            ondemand::field field;
            QF_TRY(std::move(field_result).get(field));
            raw_json_string key = field.key();
            double *slot = nullptr;
            int bit = 0;
            if (key.unsafe_is_equal("time")) { slot = &c.time; bit = kCandleTime; }
            else if (key.unsafe_is_equal("open")) { slot = &c.open; bit = kCandleOpen; }
            else if (key.unsafe_is_equal("close")) { slot = &c.close; bit = kCandleClose; }
            else if (key.unsafe_is_equal("high")) { slot = &c.high; bit = kCandleHigh; }
            else if (key.unsafe_is_equal("low")) { slot = &c.low; bit = kCandleLow; }
            else if (key.unsafe_is_equal("volume")) { slot = &c.volume; }
            if (slot) {
                QF_TRY(field.value().get_double().get(*slot));
                seen |= bit;
            }
        }
        if (seen != kCandleAllFields) return QF_E_SHAPE;
        c.time = normalize_epoch(c.time);
        if (n < out->candles_cap) out->candles[n] = c;
        n++;
    }
    return QF_OK;
}

/// {asset, period, history:[…], candles:[…]} or {asset, index, data:[…], period}
qf_status parse_history(ondemand::object obj, qf_payload *out, qf_event_kind kind) {
    size_t nt = 0, nc = 0;
    bool has_asset = false;
    for (auto field_result : obj) {
        ondemand::field field;
        QF_TRY(std::move(field_result).get(field));
        raw_json_string key = field.key();
        if (key.unsafe_is_equal("asset")) {
            std::string_view a;
            QF_TRY(field.value().get_string().get(a));
            out->asset = bytes_of(a);
            has_asset = !a.empty();
        } else if (key.unsafe_is_equal("period")) {
            int64_t period;
            QF_TRY(field.value().get_int64().get(period));
            out->period = (period > 0 && period < kMaxPeriodSeconds) ? static_cast<int32_t>(period) : -1;
        } else if (key.unsafe_is_equal("history")) {
            ondemand::array arr;
            QF_TRY(field.value().get_array().get(arr));
            qf_status s = parse_history_ticks(arr, out, nt);
            if (s != QF_OK) return s;
        } else if (key.unsafe_is_equal("candles")) {
            ondemand::array arr;
            QF_TRY(field.value().get_array().get(arr));
            qf_status s = parse_candle_rows(arr, out, nc);
            if (s != QF_OK) return s;
        } else if (key.unsafe_is_equal("data")) {
            ondemand::array arr;
            QF_TRY(field.value().get_array().get(arr));
            qf_status s = parse_candle_objects(arr, out, nc);
            if (s != QF_OK) return s;
        }
    }
    if (!has_asset) return QF_E_SHAPE;
    out->kind = kind;
    out->ticks_needed = nt;
    out->candles_needed = nc;
    out->n_ticks = nt < out->ticks_cap ? nt : out->ticks_cap;
    out->n_candles = nc < out->candles_cap ? nc : out->candles_cap;
    return (nt > out->ticks_cap || nc > out->candles_cap) ? QF_E_CAPACITY : QF_OK;
}

/// [{chart_id, settings: "{…}"}, …]; settings is JSON inside a string.
qf_status parse_charts(qf_parser *p, ondemand::array arr, qf_payload *out) {
    size_t n = 0;
    size_t names_used = 0;
    for (auto item_result : arr) {
        ondemand::object obj;
        QF_TRY(item_result.get_object().get(obj));
        std::string_view settings_raw;
        bool has_settings = false;
        for (auto field_result : obj) {
            ondemand::field field;
            QF_TRY(std::move(field_result).get(field));
            if (field.key().unsafe_is_equal("settings")) {
                std::string_view token;
                token = field.value().raw_json_token();
                if (!qf::string_token_content(token, settings_raw)) return QF_E_SHAPE;
                has_settings = true;
            }
        }
        if (!has_settings) continue;  // a chart entry without settings carries no asset
        if (!p->settings_buf.reserve(settings_raw.size())) return QF_E_INTERNAL;
        ptrdiff_t m = qf_json_unescape(reinterpret_cast<const uint8_t *>(settings_raw.data()),
                                       settings_raw.size(), p->settings_buf.data);
        if (m < 0) return QF_E_JSON;
        ondemand::document sdoc;
        QF_TRY(p->settings.iterate(p->settings_buf.data, static_cast<size_t>(m),
                                   p->settings_buf.capacity + QF_PADDING).get(sdoc));
        ondemand::object sobj;
        QF_TRY(sdoc.get_object().get(sobj));
        qf_chart chart{qf_bytes{nullptr, 0}, -1, -1};
        std::string_view symbol;
        for (auto field_result : sobj) {
            ondemand::field field;
            QF_TRY(std::move(field_result).get(field));
            raw_json_string key = field.key();
            if (key.unsafe_is_equal("symbol")) {
                QF_TRY(field.value().get_string().get(symbol));
            } else if (key.unsafe_is_equal("chartPeriod")) {
                int64_t v;
                if (field.value().get_int64().get(v) == SUCCESS) chart.chart_period = static_cast<int32_t>(v);
            } else if (key.unsafe_is_equal("fastTimeframe")) {
                int64_t v;
                if (field.value().get_int64().get(v) == SUCCESS) chart.fast_timeframe = static_cast<int32_t>(v);
            }
        }
        if (symbol.empty()) continue;
        // The settings parser is reused for the next chart: keep the symbol in our own storage.
        if (!p->chart_names.reserve(names_used + symbol.size())) return QF_E_INTERNAL;
        if (n < out->charts_cap) {
            std::memcpy(p->chart_names.data + names_used, symbol.data(), symbol.size());
            chart.asset = qf_bytes{nullptr, symbol.size()};
            // Offsets first: chart_names may move while growing; fixed up below.
            chart.asset.ptr = reinterpret_cast<const uint8_t *>(static_cast<uintptr_t>(names_used));
            out->charts[n] = chart;
            names_used += symbol.size();
        }
        n++;
    }
    for (size_t i = 0; i < n && i < out->charts_cap; i++) {
        uintptr_t offset = reinterpret_cast<uintptr_t>(out->charts[i].asset.ptr);
        out->charts[i].asset.ptr = p->chart_names.data + offset;
    }
    out->kind = QF_EVENT_UPDATE_CHARTS;
    out->charts_needed = n;
    out->n_charts = n < out->charts_cap ? n : out->charts_cap;
    return n > out->charts_cap ? QF_E_CAPACITY : QF_OK;
}

/// Parses a market value of a known kind.
qf_status parse_market(qf_parser *p, qf_event_kind kind, ondemand::value v, qf_payload *out) {
    switch (kind) {
    case QF_EVENT_UPDATE_STREAM: {
        ondemand::array arr;
        if (v.get_array().get(arr) != SUCCESS) return QF_E_SHAPE;
        return parse_stream(arr, out);
    }
    case QF_EVENT_HISTORY_NEW_FAST:
    case QF_EVENT_LOAD_HISTORY_PERIOD: {
        ondemand::object obj;
        if (v.get_object().get(obj) != SUCCESS) return QF_E_SHAPE;
        return parse_history(obj, out, kind);
    }
    case QF_EVENT_UPDATE_CHARTS: {
        ondemand::array arr;
        if (v.get_array().get(arr) != SUCCESS) return QF_E_SHAPE;
        return parse_charts(p, arr, out);
    }
    case QF_EVENT_UPDATE_ASSETS: {
        ondemand::array arr;
        if (v.get_array().get(arr) != SUCCESS) return QF_E_SHAPE;
        return qf::parse_asset_rows(arr, out);
    }
    default:
        return QF_E_SHAPE;
    }
}

// ---------------------------------------------------------------------------------------------
// The tick fast path and shape classification.
// ---------------------------------------------------------------------------------------------

/// The fast path for the payload nearly every live frame carries: `[["ASSET",TIME,PRICE],…]`
/// with no whitespace, no escapes in the asset and plain JSON numbers. The shape is checked
/// byte by byte; numbers are parsed exactly (qf::parse_plain_decimal, else std::from_chars). Any
/// other shape returns false and the caller parses the payload with simdjson.
bool parse_stream_flat(const uint8_t *data, size_t len, bool allow_empty, qf_payload *out, qf_status *status) {
    static constexpr size_t kShortestArray = 2;       // `[]`
    static constexpr ptrdiff_t kShortestTupleHead = 4;  // `["A"`: a tuple with a 1-byte asset
    const char *q = reinterpret_cast<const char *>(data), *end = q + len;
    if (len < kShortestArray || q[0] != '[') return false;
    q++;
    size_t n = 0;
    if (*q == ']') {
        if (!allow_empty || q + 1 != end) return false;
    } else {
        while (true) {
            if (end - q < kShortestTupleHead || q[0] != '[' || q[1] != '"') return false;
            q += 2;
            const char *asset = q;
            q = reinterpret_cast<const char *>(qf::next_special(reinterpret_cast<const uint8_t *>(q), reinterpret_cast<const uint8_t *>(end)));
            if (q >= end || *q != '"' || q == asset) return false;
            size_t asset_len = static_cast<size_t>(q - asset);
            q++;
            double v[kTickColumns - 1];  // time, price
            for (double &number : v) {
                if (q == end || *q != ',') return false;
                q++;
                // JSON numbers only, by the grammar (bare from_chars took "1.", "1.e5", "inf")
                const char *after = qf::json_number_to_double(q, end, number);
                if (!after) return false;
                q = after;
            }
            if (q == end || *q != ']') return false;
            q++;
            if (n < out->ticks_cap) {
                out->ticks[n] = qf_tick{qf_bytes{reinterpret_cast<const uint8_t *>(asset), asset_len},
                                        normalize_epoch(v[0]), v[1]};
            }
            n++;
            if (q == end) return false;
            if (*q == ',') { q++; continue; }
            if (*q == ']') { q++; break; }
            return false;
        }
        if (q != end) return false;
    }
    out->kind = QF_EVENT_UPDATE_STREAM;
    out->ticks_needed = n;
    out->n_ticks = n < out->ticks_cap ? n : out->ticks_cap;
    *status = n > out->ticks_cap ? QF_E_CAPACITY : QF_OK;
    return true;
}

/// Recognises a payload whose event name we never saw, by its shape. Leaves the document
/// consumed: the caller iterates the buffer again (rewind() is unsafe after an error).
qf_event_kind classify_shape(ondemand::document &doc) {
    qf_event_kind kind = QF_EVENT_UNKNOWN;
    ondemand::json_type type;
    if (doc.type().get(type) != SUCCESS) return kind;
    if (type == ondemand::json_type::array) {
        ondemand::array arr;
        if (doc.get_array().get(arr) == SUCCESS) {
            for (auto first : arr) {
                ondemand::json_type t;
                if (first.type().get(t) != SUCCESS) break;
                if (t == ondemand::json_type::array) {
                    // [asset, time, price]: a tick tuple starts with a string.
                    ondemand::array tuple;
                    if (first.get_array().get(tuple) == SUCCESS) {
                        for (auto head : tuple) {
                            ondemand::json_type ht;
                            if (head.type().get(ht) != SUCCESS) break;
                            if (ht == ondemand::json_type::string) kind = QF_EVENT_UPDATE_STREAM;
                            // [id, symbol, …]: an updateAssets row starts with a number.
                            else if (ht == ondemand::json_type::number) kind = QF_EVENT_UPDATE_ASSETS;
                            break;
                        }
                    }
                } else if (t == ondemand::json_type::object) {
                    ondemand::object obj;
                    if (first.get_object().get(obj) == SUCCESS) {
                        bool chart_id = false, settings = false;
                        for (auto fr : obj) {
                            ondemand::field f;
                            if (std::move(fr).get(f) != SUCCESS) break;
                            if (f.key().unsafe_is_equal("chart_id")) chart_id = true;
                            else if (f.key().unsafe_is_equal("settings")) settings = true;
                        }
                        if (chart_id && settings) kind = QF_EVENT_UPDATE_CHARTS;
                    }
                }
                break;
            }
        }
    } else if (type == ondemand::json_type::object) {
        ondemand::object obj;
        if (doc.get_object().get(obj) == SUCCESS) {
            bool asset = false, history = false, candles = false, data = false, index = false;
            for (auto fr : obj) {
                ondemand::field f;
                if (std::move(fr).get(f) != SUCCESS) break;
                raw_json_string key = f.key();
                if (key.unsafe_is_equal("asset")) asset = true;
                else if (key.unsafe_is_equal("history")) history = true;
                else if (key.unsafe_is_equal("candles")) candles = true;
                else if (key.unsafe_is_equal("data")) data = true;
                else if (key.unsafe_is_equal("index")) index = true;
            }
            if (asset && (history || candles)) kind = QF_EVENT_HISTORY_NEW_FAST;
            else if (asset && data && index) kind = QF_EVENT_LOAD_HISTORY_PERIOD;
        }
    }
    return kind;
}

// ---------------------------------------------------------------------------------------------
// Attachments and events.
// ---------------------------------------------------------------------------------------------

void reset_payload(qf_payload *out) {
    out->kind = QF_EVENT_UNKNOWN;
    out->placeholders = 0;
    out->period = -1;
    out->name = qf_bytes{nullptr, 0};
    out->asset = qf_bytes{nullptr, 0};
    out->n_ticks = out->n_candles = out->n_charts = out->n_payouts = 0;
    out->ticks_needed = out->candles_needed = out->charts_needed = out->payouts_needed = 0;
    out->skipped_rows = 0;
}

qf_status parse_payload(qf_parser *p, int32_t kind_in, const uint8_t *data, size_t len, qf_payload *out) {
    reset_payload(out);
    if (len > p->max_bytes) return QF_E_TOO_LARGE;
    if ((kind_in == QF_EVENT_UPDATE_STREAM || kind_in == QF_EVENT_UNKNOWN) && qf::fast_paths_enabled()) {
        qf_status status;
        if (parse_stream_flat(data, len, kind_in == QF_EVENT_UPDATE_STREAM, out, &status)) return status;
    }
    ondemand::document doc;
    QF_TRY(p->payload.iterate(data, len, len + QF_PADDING).get(doc));
    qf_event_kind kind = static_cast<qf_event_kind>(kind_in);
    if (kind == QF_EVENT_UNKNOWN) {
        kind = classify_shape(doc);
        if (kind == QF_EVENT_UNKNOWN) return QF_E_SHAPE;
        QF_TRY(p->payload.iterate(data, len, len + QF_PADDING).get(doc));
    }
    ondemand::value root;
    QF_TRY(doc.get_value().get(root));
    qf_status s = parse_market(p, kind, root, out);
    if (s != QF_OK) return s;
    if (!qf::doc_at_end(doc)) return QF_E_JSON;
    return QF_OK;
}

qf_status parse_event(qf_parser *p, const uint8_t *data, size_t len, qf_payload *out) {
    reset_payload(out);
    // Fast path: the binary header that precedes almost every tick.
    if (len == kStreamHeader.size() && std::memcmp(data, kStreamHeader.data(), len) == 0) {
        out->kind = QF_EVENT_UPDATE_STREAM;
        out->placeholders = 1;
        out->name = qf_bytes{data + kStreamHeaderNameOffset, kStreamEventName.size()};
        return QF_OK;
    }
    if (len > p->max_bytes) return QF_E_TOO_LARGE;
    ondemand::document doc;
    QF_TRY(p->payload.iterate(data, len, len + QF_PADDING).get(doc));
    ondemand::array arr;
    if (doc.get_array().get(arr) != SUCCESS) return QF_E_SHAPE;
    int index = 0;
    qf_event_kind kind = QF_EVENT_OTHER;
    for (auto item : arr) {
        if (index == 0) {
            std::string_view name;
            if (item.get_string().get(name) != SUCCESS) return QF_E_SHAPE;
            out->name = bytes_of(name);
            kind = event_from_name(name);
        } else if (index == 1) {
            ondemand::value v;
            QF_TRY(std::move(item).get(v));
            ondemand::json_type t;
            QF_TRY(v.type().get(t));
            bool placeholder = false;
            if (t == ondemand::json_type::object) {
                // {"_placeholder":true,"num":N} – peek without consuming other objects' data.
                // raw_json_token of an object is just its `{`; the bytes after it are the input's.
                std::string_view token;
                token = v.raw_json_token();
                const uint8_t *at = reinterpret_cast<const uint8_t *>(token.data());
                if (at >= data && static_cast<size_t>(data + len - at) >= kPlaceholderMarker.size() &&
                    std::memcmp(at, kPlaceholderMarker.data(), kPlaceholderMarker.size()) == 0)
                    placeholder = true;
            }
            if (placeholder) {
                out->placeholders = 1;
            } else if (kind != QF_EVENT_OTHER) {
                qf_status s = parse_market(p, kind, v, out);
                if (s != QF_OK) return s;
            }
        }
        index++;
    }
    if (index == 0) return QF_E_SHAPE;
    if (!qf::doc_at_end(doc)) return QF_E_JSON;
    out->kind = kind;
    return QF_OK;
}

}  // namespace

extern "C" {

qf_status qf_parse_event(qf_parser *parser, const uint8_t *data, size_t len, qf_payload *out) {
    if (!parser || !out || (!data && len)) return QF_E_ARGUMENT;
    return qf::c_boundary(QF_E_INTERNAL, [&] { return parse_event(parser, data, len, out); });
}

qf_status qf_parse_payload(qf_parser *parser, int32_t kind, const uint8_t *data, size_t len, qf_payload *out) {
    if (!parser || !out || (!data && len)) return QF_E_ARGUMENT;
    return qf::c_boundary(QF_E_INTERNAL, [&] { return parse_payload(parser, kind, data, len, out); });
}

}  // extern "C"
