/// Reads the fields of one event's `data` object, throwing `.invalidInput`
/// errors that name the event type and the field (also in `details`).
///
/// An optional field given as `null` counts as absent.
struct DataFieldReader {
    let type: String
    let data: JSONObject

    /// A required name of the given format.
    func requiredName(_ field: String, _ format: NameFormat) throws(LedgerError) -> String {
        guard let value = data[field], !value.isNull else { throw missing(field) }
        return try name(field, value, format)
    }

    /// An optional name of the given format.
    func optionalName(_ field: String, _ format: NameFormat) throws(LedgerError) -> String? {
        guard let value = data[field], !value.isNull else { return nil }
        return try name(field, value, format)
    }

    /// A required field whose value is one of the cases of `E`.
    func requiredChoice<E: WireName>(_ field: String, as _: E.Type) throws(LedgerError) -> E {
        guard let value = data[field], !value.isNull else { throw missing(field) }
        return try choice(field, value, as: E.self)
    }

    /// An optional field whose value, when given, is one of the cases of `E`.
    func optionalChoice<E: WireName>(_ field: String, as _: E.Type) throws(LedgerError) -> E? {
        guard let value = data[field], !value.isNull else { return nil }
        return try choice(field, value, as: E.self)
    }

    /// An optional free-text string of at most ``DomainLimits/maxTextFieldLength`` scalars.
    func optionalText(_ field: String) throws(LedgerError) -> String? {
        guard let value = data[field], !value.isNull else { return nil }
        let text = try string(field, value)
        // Cheap bound first: a string has at least as many bytes as scalars.
        if text.utf8.count > DomainLimits.maxTextFieldLength {
            let length = text.unicodeScalars.count
            if length > DomainLimits.maxTextFieldLength {
                throw invalid(
                    field, "is \(length) characters long, more than \(DomainLimits.maxTextFieldLength)")
            }
        }
        return text
    }

    /// An error for a field whose value is refused for `reason`.
    func invalid(_ field: String, _ reason: String) -> LedgerError {
        LedgerError(
            .invalidInput, "\(type): field '\(field)' \(reason)",
            details: ["field": field, "type": type])
    }

    private func missing(_ field: String) -> LedgerError {
        LedgerError(
            .invalidInput, "\(type): missing required field '\(field)' in data",
            details: ["field": field, "type": type])
    }

    private func string(_ field: String, _ value: JSONValue) throws(LedgerError) -> String {
        guard case .string(let text) = value else {
            throw invalid(field, "must be a string, got \(value.typeName)")
        }
        return text
    }

    private func name(_ field: String, _ value: JSONValue, _ format: NameFormat) throws(LedgerError) -> String {
        let text = try string(field, value)
        if let violation = format.violation(in: text) {
            throw invalid(field, "must match \(format.pattern): \(JSONText.echo(text)) \(violation)")
        }
        return text
    }

    private func choice<E: WireName>(_ field: String, _ value: JSONValue, as _: E.Type) throws(LedgerError) -> E {
        let text = try string(field, value)
        guard let result = E.named(text) else {
            let legal = E.allCases.map(\.rawValue).joined(separator: ", ")
            throw invalid(field, "must be one of \(legal); got \(JSONText.echo(text))")
        }
        return result
    }
}
