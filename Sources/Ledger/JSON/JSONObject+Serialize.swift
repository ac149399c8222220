extension JSONObject {
    /// Compact JSON text of the object, members in their order (see ``JSONValue/serialized()``).
    public func serialized() -> String {
        JSONWriter.text(of: self)
    }

    /// Appends the compact JSON text of the object to `out`.
    public func serialize(into out: inout [UInt8]) {
        JSONValue.object(self).serialize(into: &out)
    }
}
