/// Merges findings that say the same thing about several places (ports, MX hosts) into one finding per thing said.
/// When the evidence differs between places it is kept per place: `143: NO ...; 110: -ERR ...`.
public enum FindingMerger {
    /// `same` decides which findings are one; `places` lists where each was seen (its first entry labels the
    /// evidence); places keep the order first seen.
    public static func merge<F, Place: Equatable, E: Hashable>(
        _ findings: [F], same: (F, F) -> Bool, places: WritableKeyPath<F, [Place]>, evidence: WritableKeyPath<F, E>,
        label: (Place) -> String, combine: ([(place: String, evidence: E)]) -> E) -> [F] {
        var merged: [F] = []
        var evidenceByPlace: [[(place: String, evidence: E)]] = []
        for finding in findings {
            let entry = (place: finding[keyPath: places].first.map(label) ?? "", evidence: finding[keyPath: evidence])
            if let index = merged.firstIndex(where: { same($0, finding) }) {
                for place in finding[keyPath: places] where !merged[index][keyPath: places].contains(place) {
                    merged[index][keyPath: places].append(place)
                }
                evidenceByPlace[index].append(entry)
            } else {
                merged.append(finding)
                evidenceByPlace.append([entry])
            }
        }
        for (index, entries) in evidenceByPlace.enumerated() where Set(entries.map(\.evidence)).count > 1 {
            merged[index][keyPath: evidence] = combine(entries)
        }
        return merged
    }
}
