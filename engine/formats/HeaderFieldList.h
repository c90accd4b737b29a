// The header's fields as a tree of name/value pairs for the GUI's header view: the LUKS1 phdr
// with every keyslot, or both LUKS2 binary header copies as they are on disk (seqid, checksum
// algorithm, whether the checksum matches). Values are formatted as luksDump prints them where
// luksDump shows the field (hex for salts and digests, decimal for numbers).
#pragma once

#include <QString>

#include <vector>

namespace cryptstack {

class LuksVolume;

struct HeaderField
{
    QString name;
    QString value;
    std::vector<HeaderField> children;
};

namespace HeaderFieldList {

std::vector<HeaderField> forLuks(const LuksVolume& volume);

} // namespace HeaderFieldList

} // namespace cryptstack
