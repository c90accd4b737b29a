#include "InspectHeaderView.h"

#include <QFontDatabase>
#include <QHeaderView>

namespace cryptstack {

namespace {

void addFields(QTreeWidgetItem* parent, QTreeWidget* tree, const std::vector<HeaderField>& fields)
{
    for (const HeaderField& field : fields) {
        auto* item = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(tree);
        item->setText(0, field.name);
        item->setText(1, field.value);
        item->setToolTip(1, field.value);
        addFields(item, tree, field.children);
    }
}

} // namespace

InspectHeaderView::InspectHeaderView(QWidget* parent) : QTreeWidget(parent)
{
    setObjectName(QStringLiteral("inspectHeaderFields"));
    setAccessibleName(tr("Header fields"));
    setColumnCount(2);
    setHeaderLabels({tr("Field"), tr("Value")});
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    setUniformRowHeights(true);
}

void InspectHeaderView::setFields(const std::vector<HeaderField>& fields)
{
    clear();
    addFields(nullptr, this, fields);
    expandToDepth(0);
}

QString InspectHeaderView::valueAt(const QString& path) const
{
    const QStringList names = path.split(u'/');
    QTreeWidgetItem* found = nullptr;
    for (const QString& name : names) {
        QTreeWidgetItem* next = nullptr;
        const int count = found ? found->childCount() : topLevelItemCount();
        for (int i = 0; i < count && !next; ++i) {
            QTreeWidgetItem* item = found ? found->child(i) : topLevelItem(i);
            if (item->text(0) == name)
                next = item;
        }
        if (!next)
            return {};
        found = next;
    }
    return found ? found->text(1) : QString();
}

} // namespace cryptstack
