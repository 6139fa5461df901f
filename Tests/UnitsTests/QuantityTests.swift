import Foundation
import Numerics
import Testing
@testable import Units

@Suite("Quantities")
struct QuantityTests {
    @Test("Parses numbers with units", arguments: [
        ("128 GB", 128e9), ("96 GiB", 96 * 1_073_741_824.0), ("1.5kB", 1500), ("2 TB", 2e12), ("64 B", 64),
    ] as [(String, Double)])
    func parsesBytes(text: String, expected: Double) throws {
        let value = try Bytes.parse(text)
        #expect(value.bytes.isApproximatelyEqual(to: expected, relativeTolerance: 1e-12))
    }

    @Test("Bits and bytes per second differ by eight", arguments: [
        ("400 Gb/s", 50e9), ("400 Gbps", 50e9), ("224 Gb/s", 28e9), ("3.2 TB/s", 3.2e12), ("28 GB/s", 28e9), ("100 Mb/s", 12.5e6),
    ] as [(String, Double)])
    func parsesBandwidth(text: String, bytesPerSecond: Double) throws {
        #expect(try Bandwidth.parse(text).bytesPerSecond.isApproximatelyEqual(to: bytesPerSecond, relativeTolerance: 1e-12))
    }

    @Test("Compute rates, power, time and area")
    func parsesOtherQuantities() throws {
        #expect(try FLOPRate.parse("752 TFLOPS").teraflops.isApproximatelyEqual(to: 752))
        #expect(try FLOPRate.parse("1504 TOPS").teraflops.isApproximatelyEqual(to: 1504))
        #expect(try FLOPRate.parse("2.5 PFLOPS").teraflops.isApproximatelyEqual(to: 2500))
        #expect(try Power.parse("1.2 kW").watts.isApproximatelyEqual(to: 1200))
        #expect(try TimeSpan.parse("0.5 us").seconds.isApproximatelyEqual(to: 5e-7))
        #expect(try TimeSpan.parse("5.5 µs").microseconds.isApproximatelyEqual(to: 5.5))
        #expect(try Area.parse("0.72 m2").squareMeters.isApproximatelyEqual(to: 0.72))
        #expect(try Bytes.parse("1e3 B").bytes.isApproximatelyEqual(to: 1000))
        #expect(try Bytes.parse("1,024 B").bytes.isApproximatelyEqual(to: 1024))
    }

    @Test("Text without a unit, with a wrong unit or without a number is refused with the known units", arguments: [
        "128", "128 GX", "lots GB", "", "GB",
    ])
    func refusesBadText(text: String) {
        #expect(throws: QuantityParseError.self) { try Bytes.parse(text) }
        do {
            _ = try Bytes.parse(text)
        } catch {
            #expect("\(error)".contains("GB"), "the message lists the known units")
        }
    }

    @Test("Bits are not accepted where bytes are meant")
    func bitsAreNotBytes() {
        #expect(throws: QuantityParseError.self) { try Bytes.parse("128 Gb") }
        #expect(throws: QuantityParseError.self) { try Bandwidth.parse("3.2 TB") }
    }

    @Test("Formatting picks a natural unit")
    func formats() {
        #expect(Bytes(49.152e12).formatted() == "49.15 TB")
        #expect(Bandwidth(bytesPerSecond: 392e9).formatted() == "392 GB/s")
        #expect(TimeSpan(seconds: 5e-7).formatted() == "500 ns")
        #expect(Power(watts: 594_800).formatted(in: "kW", decimals: 1) == "594.8 kW")
        #expect(FLOPRate(flopsPerSecond: 288.768e15).formatted() == "288.8 PFLOPS")
    }

    @Test("Encoding and decoding give the same value back", arguments: [
        "128 GB", "3.35 TB/s", "989.4 TFLOPS", "700 W", "1.5 us", "0.64 m2", "0.000001 s",
    ])
    func roundTrips(text: String) throws {
        struct Box: Codable, Equatable { var bytes: Bytes?; var rate: Bandwidth?; var flops: FLOPRate?; var power: Power?; var time: TimeSpan?; var area: Area? }
        var box = Box()
        if let value = try? Bytes.parse(text) { box.bytes = value }
        if let value = try? Bandwidth.parse(text) { box.rate = value }
        if let value = try? FLOPRate.parse(text) { box.flops = value }
        if let value = try? Power.parse(text) { box.power = value }
        if let value = try? TimeSpan.parse(text) { box.time = value }
        if let value = try? Area.parse(text) { box.area = value }
        let data = try JSONEncoder().encode(box)
        let decoded = try JSONDecoder().decode(Box.self, from: data)
        #expect(decoded == box)
    }

    @Test("Dimensional arithmetic")
    func arithmetic() {
        let time = Bytes(14_336) / Bandwidth(bytesPerSecond: 50e9)
        #expect(time.seconds.isApproximatelyEqual(to: 14_336 / 50e9))
        #expect((Bandwidth(bytesPerSecond: 2e9) * TimeSpan(seconds: 3)).bytes.isApproximatelyEqual(to: 6e9))
        #expect((Power(watts: 700) * TimeSpan(seconds: 10)).joules.isApproximatelyEqual(to: 7000))
        #expect((Bytes(3) + Bytes(4)) / Bytes(7) == 1)
        #expect(Bytes(10) * 3 == Bytes(30))
        #expect(Bytes(1) < Bytes(2))
    }
}

@Suite("Number text")
struct NumberTextTests {
    @Test func groupsThousands() {
        #expect(NumberText.grouped(6912) == "6,912")
        #expect(NumberText.grouped(1228.8, decimals: 1) == "1,228.8")
        #expect(NumberText.grouped(-1_234_567) == "-1,234,567")
        #expect(NumberText.grouped(999) == "999")
    }

    @Test func significantDigits() {
        #expect(NumberText.significant(288.768, digits: 4) == "288.8")
        #expect(NumberText.significant(0.05, digits: 3) == "0.05")
        #expect(NumberText.significant(1228.8, digits: 4) == "1229")
    }

    @Test func negativeZeroIsPrintedAsZero() {
        #expect(NumberText.fixed(-0.0001, decimals: 2) == "0.00")
    }
}

@Suite("Precision")
struct PrecisionTests {
    @Test("Bytes per element", arguments: [(Precision.fp32, 4.0), (.bf16, 2), (.fp16, 2), (.fp8, 1), (.int8, 1), (.fp4, 0.5), (.int4, 0.5)])
    func bytes(precision: Precision, bytes: Double) {
        #expect(precision.bytesPerElement == bytes)
    }

    @Test("Stored weights carry their scales: NVFP4 a byte per 16, INT4 2 bytes per group of 128; the wider formats none",
          arguments: [(Precision.fp4, 0.5 + 1.0 / 16), (.int4, 0.5 + 2.0 / 128), (.fp8, 1), (.int8, 1), (.bf16, 2)])
    func weightBytes(precision: Precision, bytes: Double) {
        #expect(precision.weightBytesPerElement == bytes)
    }

    @Test("Common spellings", arguments: [("bfloat16", Precision.bf16), ("FP8", .fp8), ("float8_e4m3", .fp8), ("w8a8", .int8), ("half", .fp16),
                                          ("int4", .int4), ("W4A4", .int4), ("nvfp4", .fp4)])
    func parses(text: String, precision: Precision) throws {
        #expect(try Precision.parse(text) == precision)
    }

    @Test func unknownNamesListTheKnownOnes() {
        #expect(throws: PrecisionParseError.self) { try Precision.parse("fp12") }
        #expect(PrecisionParseError(text: "fp12").description.contains("bf16"))
    }
}

@Suite("Divisors")
struct DivisorTests {
    @Test("Divisors of a count, the nearest to a value either side, and their wording")
    func divisors() {
        #expect(Divisors.of(12) == [1, 2, 3, 4, 6, 12])
        #expect(Divisors.of(1) == [1])
        #expect(Divisors.of(0).isEmpty)
        #expect(Divisors.nearest(Divisors.of(320), to: 7) == [5, 8])
        #expect(Divisors.nearest(Divisors.of(12), to: 13) == [12])
        #expect(Divisors.nearest([], to: 3).isEmpty)
        #expect(Divisors.alternatives([4, 8]) == "4 or 8")
        #expect(Divisors.alternatives([1, 2, 4]) == "1, 2 or 4")
        #expect(Divisors.alternatives([6]) == "6")
        #expect(Divisors.alternatives([]) == "1")
    }
}
