//! The protobuf wire format: varints, fixed-width values, length-delimited
//! fields and tags, read from one input with absolute byte offsets.

use super::super::{CheckErrorKind as K, ProtobufRule as P};

/// A problem and the 0-based input offset of the item it concerns.
pub(super) type Fault = (usize, K);

/// The largest field number the protobuf encoding allows (2^29 - 1).
const MAX_FIELD: u64 = (1 << 29) - 1;

/// At most 5 bytes for a frame's length, as Prometheus reads it (the
/// longest varint of a 32-bit value).
const MAX_FRAME_VARINT: usize = 5;

/// A field's payload.
#[derive(Clone, Copy, Debug)]
pub(super) enum Raw {
    Varint(u64),
    Fixed64(u64),
    /// The payload occupies `input[start..end]`.
    Bytes {
        start: usize,
        end: usize,
    },
    Fixed32,
}

/// One field of a message.
#[derive(Clone, Copy, Debug)]
pub(super) struct Field {
    pub(super) number: u64,
    /// Offset of the field's tag.
    pub(super) at: usize,
    pub(super) raw: Raw,
}

/// Reads a varint at `input[pos..end]`: its value and length. At most 10
/// bytes, and the 10th may only hold the 64th bit.
pub(super) fn varint(input: &[u8], pos: usize, end: usize) -> Result<(u64, usize), Fault> {
    let mut value = 0u64;
    for i in 0..10 {
        let at = pos + i;
        if at >= end {
            return Err((pos, K::Protobuf(P::Truncated)));
        }
        let Some(&byte) = input.get(at) else {
            return Err((pos, K::Protobuf(P::Truncated)));
        };
        if i == 9 && byte > 1 {
            return Err((pos, K::Protobuf(P::VarintTooLong)));
        }
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte < 0x80 {
            return Ok((value, i + 1));
        }
    }
    Err((pos, K::Protobuf(P::VarintTooLong)))
}

/// Reads the frame at `pos`: a length varint of at most 5 bytes, then that
/// many bytes. Returns where the message starts and ends.
pub(super) fn frame(input: &[u8], pos: usize) -> Result<(usize, usize), Fault> {
    let limit = input.len().min(pos + MAX_FRAME_VARINT);
    let (length, size) = match varint(input, pos, limit) {
        Ok(read) => read,
        // Five bytes were there but the length goes on.
        Err(_) if limit == pos + MAX_FRAME_VARINT => {
            return Err((pos, K::Protobuf(P::FrameLengthTooLong)))
        }
        Err(fault) => return Err(fault),
    };
    let start = pos + size;
    match usize::try_from(length)
        .ok()
        .and_then(|l| start.checked_add(l))
    {
        Some(end) if end <= input.len() => Ok((start, end)),
        _ => Err((pos, K::Protobuf(P::Truncated))),
    }
}

/// The fields of the message `input[start..end]`, in order; stops after the
/// first problem.
pub(super) struct Fields<'a> {
    input: &'a [u8],
    pos: usize,
    end: usize,
}

impl<'a> Fields<'a> {
    pub(super) fn new(input: &'a [u8], start: usize, end: usize) -> Self {
        Fields {
            input,
            pos: start,
            end,
        }
    }

    /// Reads one field; every problem is reported at the field's tag.
    fn field(&mut self) -> Result<Field, Fault> {
        let at = self.pos;
        self.field_at(at).map_err(|(_, kind)| (at, kind))
    }

    fn field_at(&mut self, at: usize) -> Result<Field, Fault> {
        let (tag, size) = varint(self.input, at, self.end)?;
        let number = tag >> 3;
        if number == 0 || number > MAX_FIELD {
            return Err((at, K::Protobuf(P::InvalidTag)));
        }
        let pos = at + size;
        let (raw, next) = match tag & 7 {
            0 => {
                let (value, size) = varint(self.input, pos, self.end)?;
                (Raw::Varint(value), pos + size)
            }
            1 => (Raw::Fixed64(fixed64(self.input, pos, self.end)?), pos + 8),
            2 => {
                let (length, size) = varint(self.input, pos, self.end)?;
                let start = pos + size;
                let end = usize::try_from(length)
                    .ok()
                    .and_then(|l| start.checked_add(l))
                    .filter(|&end| end <= self.end)
                    .ok_or((at, K::Protobuf(P::Truncated)))?;
                (Raw::Bytes { start, end }, end)
            }
            5 if pos + 4 <= self.end => (Raw::Fixed32, pos + 4),
            5 => return Err((at, K::Protobuf(P::Truncated))),
            _ => return Err((at, K::Protobuf(P::InvalidTag))),
        };
        self.pos = next;
        Ok(Field { number, at, raw })
    }
}

impl Iterator for Fields<'_> {
    type Item = Result<Field, Fault>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.end {
            return None;
        }
        let field = self.field();
        if field.is_err() {
            self.pos = self.end;
        }
        Some(field)
    }
}

/// Reads 8 little-endian bytes at `input[pos..end]`.
pub(super) fn fixed64(input: &[u8], pos: usize, end: usize) -> Result<u64, Fault> {
    input
        .get(pos..pos + 8)
        .filter(|_| pos + 8 <= end)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map(u64::from_le_bytes)
        .ok_or((pos, K::Protobuf(P::Truncated)))
}

/// Decodes a zig-zag encoded signed value.
pub(super) fn zigzag(value: u64) -> i64 {
    // The shifted value fits in 63 bits, so the cast keeps it; the low bit
    // says whether the result is negative.
    ((value >> 1) as i64) ^ -((value & 1) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints() {
        assert_eq!(varint(&[0], 0, 1), Ok((0, 1)));
        assert_eq!(varint(&[0x96, 0x01], 0, 2), Ok((150, 2)));
        assert_eq!(varint(&[0x80, 0x00], 0, 2), Ok((0, 2)));
        let max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert_eq!(varint(&max, 0, 10), Ok((u64::MAX, 10)));
        let over = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02];
        assert_eq!(
            varint(&over, 0, 10),
            Err((0, K::Protobuf(P::VarintTooLong)))
        );
        let eleven = [0x80; 11];
        assert_eq!(
            varint(&eleven, 0, 11),
            Err((0, K::Protobuf(P::VarintTooLong)))
        );
        assert_eq!(
            varint(&[0x80, 0x80], 0, 2),
            Err((0, K::Protobuf(P::Truncated)))
        );
        // The end of the message counts, not the end of the input.
        assert_eq!(
            varint(&[0x80, 0x01], 0, 1),
            Err((0, K::Protobuf(P::Truncated)))
        );
        assert_eq!(varint(&[7, 0x81, 0x01], 1, 3), Ok((129, 2)));
    }

    #[test]
    fn zigzag_decodes_both_signs() {
        assert_eq!(zigzag(0), 0);
        assert_eq!(zigzag(1), -1);
        assert_eq!(zigzag(2), 1);
        assert_eq!(zigzag(3), -2);
        assert_eq!(zigzag(u64::MAX - 1), i64::MAX);
        assert_eq!(zigzag(u64::MAX), i64::MIN);
    }

    #[test]
    fn frames() {
        assert_eq!(frame(&[2, 9, 9], 0), Ok((1, 3)));
        assert_eq!(frame(&[0], 0), Ok((1, 1)));
        assert_eq!(frame(&[3, 9, 9], 0), Err((0, K::Protobuf(P::Truncated))));
        assert_eq!(frame(&[0x80], 0), Err((0, K::Protobuf(P::Truncated))));
        // Five bytes of length are allowed (Prometheus' limit), six are not.
        let five = [0x80, 0x80, 0x80, 0x80, 0x00];
        assert_eq!(frame(&five, 0), Ok((5, 5)));
        let six = [0x80, 0x80, 0x80, 0x80, 0x80, 0x00];
        assert_eq!(frame(&six, 0), Err((0, K::Protobuf(P::FrameLengthTooLong))));
        let huge = [0xff, 0xff, 0xff, 0xff, 0x0f, 1];
        assert_eq!(frame(&huge, 0), Err((0, K::Protobuf(P::Truncated))));
    }

    fn wire_type(raw: Raw) -> u8 {
        match raw {
            Raw::Varint(150 | 0) => 0,
            Raw::Fixed64(1) => 1,
            Raw::Bytes { .. } => 2,
            Raw::Fixed32 => 5,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn fields_of_every_wire_type() {
        let input = [
            0x08, 0x96, 0x01, // 1: varint 150
            0x11, 1, 0, 0, 0, 0, 0, 0, 0, // 2: fixed64 1
            0x1a, 0x02, b'h', b'i', // 3: bytes "hi"
            0x25, 0, 0, 0, 0, // 4: fixed32
            0x80, 0x01, 0x00, // 16: varint 0 (two-byte tag)
        ];
        let fields: Vec<_> = Fields::new(&input, 0, input.len())
            .map(Result::unwrap)
            .map(|f| (f.number, f.at, wire_type(f.raw)))
            .collect();
        assert_eq!(
            fields,
            [(1, 0, 0), (2, 3, 1), (3, 12, 2), (4, 16, 5), (16, 21, 0),]
        );
        let mut f = Fields::new(&input, 12, 16);
        let field = f.next().unwrap().unwrap();
        assert!(matches!(field.raw, Raw::Bytes { start: 14, end: 16 }));
        assert!(f.next().is_none());
    }

    #[test]
    fn broken_fields() {
        let first = |input: &[u8]| Fields::new(input, 0, input.len()).next().unwrap();
        assert_eq!(first(&[0x00]).unwrap_err(), (0, K::Protobuf(P::InvalidTag)));
        assert_eq!(first(&[0x0b]).unwrap_err(), (0, K::Protobuf(P::InvalidTag)));
        assert_eq!(first(&[0x0c]).unwrap_err(), (0, K::Protobuf(P::InvalidTag)));
        assert_eq!(first(&[0x0e]).unwrap_err(), (0, K::Protobuf(P::InvalidTag)));
        assert_eq!(first(&[0x0f]).unwrap_err(), (0, K::Protobuf(P::InvalidTag)));
        // Field number 2^29 - 1 is the largest.
        assert!(first(&[0xf8, 0xff, 0xff, 0xff, 0x0f, 0x00]).is_ok());
        assert_eq!(
            first(&[0x80, 0x80, 0x80, 0x80, 0x10, 0x00]).unwrap_err(),
            (0, K::Protobuf(P::InvalidTag))
        );
        assert_eq!(first(&[0x08]).unwrap_err(), (0, K::Protobuf(P::Truncated)));
        assert_eq!(
            first(&[0x09, 0, 0]).unwrap_err(),
            (0, K::Protobuf(P::Truncated))
        );
        assert_eq!(
            first(&[0x0a, 2, 0]).unwrap_err(),
            (0, K::Protobuf(P::Truncated))
        );
        assert_eq!(
            first(&[0x0d, 0, 0, 0]).unwrap_err(),
            (0, K::Protobuf(P::Truncated))
        );
        let long = [
            0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
        ];
        assert_eq!(
            first(&long).unwrap_err(),
            (0, K::Protobuf(P::VarintTooLong))
        );
        // After a problem the iterator stops.
        let input = [0x00, 0x08, 0x01];
        let mut fields = Fields::new(&input, 0, 3);
        assert!(fields.next().unwrap().is_err());
        assert!(fields.next().is_none());
    }
}
