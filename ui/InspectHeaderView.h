// The Header tab: the header's fields (HeaderFieldList) as a two-column tree, keyslots and the
// LUKS2 header copies as expandable items.
#pragma once

#include "formats/HeaderFieldList.h"

#include <QTreeWidget>

namespace cryptstack {

class InspectHeaderView : public QTreeWidget
{
    Q_OBJECT

public:
    explicit InspectHeaderView(QWidget* parent = nullptr);

    void setFields(const std::vector<HeaderField>& fields);
    // The value of the item at this path of names ("primary header/seqid"); empty if none.
    QString valueAt(const QString& path) const;
};

} // namespace cryptstack
