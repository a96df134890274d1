"""Python's garbage collector, run on the GUI thread only.

A collection runs on whichever thread happens to allocate when a threshold
is crossed: a job's worker thread, say. Collecting a reference cycle that
holds a Qt widget there deletes the widget off the GUI thread, and Qt
crashes (seen as a segmentation fault while a connection test ran). So
automatic collection is off and a timer on the GUI thread collects instead:
the same thresholds, checked every second (pyqtgraph's GarbageCollector does
the same).
"""
import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 1000


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject):
        super().__init__(parent)
        self._threshold = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)
        self._timer.start(INTERVAL_MS)

    def check(self) -> None:
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._threshold[generation]:
                gc.collect(generation)
                return


_installed: list[GuiThreadCollector] = []


def collect_on_gui_thread(app: QObject) -> GuiThreadCollector:
    """Call on the GUI thread with the QApplication; a second call keeps the first collector."""
    if not _installed:
        _installed.append(GuiThreadCollector(app))
    return _installed[0]
