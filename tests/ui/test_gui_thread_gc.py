"""Garbage is collected on the GUI thread only: a job thread never deletes a widget."""
import gc
import threading

from PySide6.QtWidgets import QWidget

from desktop.ui.gui_thread_gc import collect_on_gui_thread


def test_cycles_holding_widgets_are_collected_on_the_gui_thread(qtbot, qapp):
    collector = collect_on_gui_thread(qapp)
    assert not gc.isenabled()
    collected_on = []

    class Holder:
        def __del__(self):
            collected_on.append(threading.current_thread() is threading.main_thread())

    for _ in range(50):
        holder = Holder()
        holder.me, holder.widget = holder, QWidget()
    del holder
    worker = threading.Thread(target=lambda: [object() for _ in range(100_000)] and [[] for _ in range(5_000)])
    worker.start()
    worker.join()
    assert collected_on == []  # nothing collected on the worker, however much it allocated
    qtbot.waitUntil(lambda: (collector.check(), gc.collect())[0] is None and len(collected_on) == 50)
    assert all(collected_on)
