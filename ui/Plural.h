#pragma once
// English plurals without shipping a translation file: Qt's "%n item(s)" idiom only reads
// well once a .qm supplies the forms, and the panel ships in English.

#include <QString>

namespace fulcrum::ui {

// plural(3, "%1 change", "%1 changes") -> "3 changes"
inline QString plural(qint64 n, const char* one, const char* many) {
    return QString::fromUtf8(n == 1 || n == -1 ? one : many).arg(n);
}

}  // namespace fulcrum::ui
