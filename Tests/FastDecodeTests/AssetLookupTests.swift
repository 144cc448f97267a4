import Testing

@testable import FastDecode

@Suite("Asset names")
struct AssetLookupTests {
    @Test("users' spellings find the broker's canonical name")
    func looseLookup() {
        let dir = AssetDirectory()
        var interner = AssetInterner(directory: dir)
        let ids = ["EURUSD_otc", "EURUSD", "#AAPL_otc", "ADA-USD_otc"].map { name in
            Array(name.utf8).withUnsafeBytes { interner.intern($0) }
        }
        #expect(dir.lookup("EURUSD_OTC") == ids[0])
        #expect(dir.lookup("EUR/USD OTC") == ids[0])
        #expect(dir.lookup("eurusd") == ids[1])
        #expect(dir.lookup("EURUSD") == ids[1])
        #expect(dir.lookup("aapl otc") == ids[2])
        #expect(dir.lookup("ada usd otc") == ids[3])
        #expect(dir.lookup("GBPUSD") == nil)
        #expect(dir.name(of: ids[2]) == "#AAPL_otc")
    }

    @Test("interning is stable and survives table growth")
    func growth() {
        let dir = AssetDirectory()
        var interner = AssetInterner(directory: dir)
        var ids: [AssetID] = []
        for i in 0..<500 {
            ids.append(Array("ASSET\(i)_otc".utf8).withUnsafeBytes { interner.intern($0) })
        }
        for i in 0..<500 {
            #expect(Array("ASSET\(i)_otc".utf8).withUnsafeBytes { interner.intern($0) } == ids[i])
        }
        #expect(dir.count == 500)
        #expect(Set(ids).count == 500)
    }
}
