/// TA-Lib's true range of a candle given the previous close, in TA-Lib's order of comparisons.
@inline(__always)
package func taTrueRange(high: Double, low: Double, previousClose: Double) -> Double {
    var greatest = high - low
    let v2 = abs(previousClose - high)
    if v2 > greatest { greatest = v2 }
    let v3 = abs(previousClose - low)
    if v3 > greatest { greatest = v3 }
    return greatest
}
