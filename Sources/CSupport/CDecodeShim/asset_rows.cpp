// asset_rows.cpp – updateAssets rows (qf_payloads.h, QF_EVENT_UPDATE_ASSETS): the broker's asset
// list, `[[id, symbol, name, type, _, payout, …, is_otc (9), …, active (14), …], …]` (~19 fields
// a row). qflux keeps the symbol, the payout (percent) and the two flags. A row of another shape
// is counted in skipped_rows and skipped; broken JSON fails the payload. At most kMaxAssetRows
// rows are parsed (the rest are counted as skipped): the work and memory a frame costs is bounded.

#include "shim_internal.h"

using namespace simdjson;

namespace {

/// Row fields qflux reads.
constexpr int kFieldSymbol = 1;
constexpr int kFieldPayout = 5;
constexpr int kFieldIsOTC = 9;
constexpr int kFieldActive = 14;
/// The broker lists ~180 assets; far more than that is not an asset list.
constexpr size_t kMaxAssetRows = 4096;
/// A payout outside [0, 1000] percent is not a payout.
constexpr double kMaxPayoutPercent = 1000;

/// A flag sent as a boolean or a number: 1, 0, or -1 when it is neither.
int32_t flag_of(ondemand::value v) {
    ondemand::json_type t;
    if (v.type().get(t) != SUCCESS) return -1;
    if (t == ondemand::json_type::boolean) {
        bool b;
        return v.get_bool().get(b) == SUCCESS ? (b ? 1 : 0) : -1;
    }
    if (t == ondemand::json_type::number) {
        double d;
        return v.get_double().get(d) == SUCCESS ? (d != 0 ? 1 : 0) : -1;
    }
    return -1;
}

/// One row; false when it is not an asset row (the caller counts it).
qf_status parse_row(ondemand::array row, qf_payout &out, bool &ok) {
    ok = false;
    out = qf_payout{qf_bytes{nullptr, 0}, 0, -1, -1};
    bool has_id = false, has_symbol = false, has_payout = false;
    int index = 0;
    for (auto part_result : row) {
        ondemand::value part;
        QF_TRY(std::move(part_result).get(part));
        ondemand::json_type t;
        QF_TRY(part.type().get(t));
        switch (index) {
        case 0: has_id = t == ondemand::json_type::number; break;
        case kFieldSymbol:
            if (t == ondemand::json_type::string) {
                std::string_view symbol;
                QF_TRY(part.get_string().get(symbol));
                out.asset = qf::bytes_of(symbol);
                has_symbol = !symbol.empty();
            }
            break;
        case kFieldPayout:
            if (t == ondemand::json_type::number) {
                double p;
                QF_TRY(part.get_double().get(p));
                out.payout = p;
                has_payout = p >= 0 && p <= kMaxPayoutPercent;
            }
            break;
        case kFieldIsOTC: out.is_otc = flag_of(part); break;
        case kFieldActive: out.active = flag_of(part); break;
        default: break;
        }
        index++;
    }
    ok = has_id && has_symbol && has_payout;
    return QF_OK;
}

}  // namespace

namespace qf {

qf_status parse_asset_rows(ondemand::array arr, qf_payload *out) {
    size_t n = 0, skipped = 0;
    for (auto item_result : arr) {
        ondemand::value item;
        QF_TRY(std::move(item_result).get(item));
        ondemand::json_type t;
        QF_TRY(item.type().get(t));
        if (t != ondemand::json_type::array || n >= kMaxAssetRows) {
            skipped++;
            continue;
        }
        ondemand::array row;
        QF_TRY(item.get_array().get(row));
        qf_payout payout;
        bool ok = false;
        qf_status s = parse_row(row, payout, ok);
        if (s != QF_OK) return s;
        if (!ok) {
            skipped++;
            continue;
        }
        if (n < out->payouts_cap) out->payouts[n] = payout;
        n++;
    }
    out->kind = QF_EVENT_UPDATE_ASSETS;
    out->skipped_rows = skipped;
    out->payouts_needed = n;
    out->n_payouts = n < out->payouts_cap ? n : out->payouts_cap;
    return n > out->payouts_cap ? QF_E_CAPACITY : QF_OK;
}

}  // namespace qf
