"""The strip that follows a running job: phase, current item, a bar, elapsed
time and ETA, and Cancel.

Reports come as often as the job sends them (one per table, one per block
written), so the clock is ticked here once a second: the elapsed time keeps
moving and the estimate counts down between reports.
"""
from typing import Optional

from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from desktop.core.progress import Progress
from desktop.ui.formatting import human_size
from desktop.ui.jobs import BackgroundJob

_BAR_STEPS = 1000
_TICK_MS = 1000


def clock_text(seconds: float) -> str:
    """0:07, 2:13, 1:02:05."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def timing_text(elapsed: float, eta_seconds: Optional[float], bytes_done: int = 0) -> str:
    """'2:13 elapsed · about 1:05 left · 412.0 MB so far'."""
    parts = [f"{clock_text(elapsed)} elapsed"]
    if eta_seconds is not None:
        parts.append(f"about {clock_text(eta_seconds)} left" if eta_seconds >= 1 else "almost done")
    if bytes_done:
        parts.append(f"{human_size(bytes_done)} so far")
    return " · ".join(parts)


class JobProgressPanel(QFrame):
    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setObjectName("jobProgressPanel")
        self.setAccessibleName("Progress of the running job")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        self._job: Optional[BackgroundJob] = None
        self._progress: Optional[Progress] = None
        self._clock = QElapsedTimer()
        self._since_report = QElapsedTimer()
        self._ticker = QTimer(self, interval=_TICK_MS)
        self._ticker.timeout.connect(self._show_timing)

        self.title_label = QLabel()
        self.title_label.setObjectName("progressTitle")
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        self.phase_label = QLabel()
        self.phase_label.setObjectName("progressPhase")
        self.item_label = QLabel()
        self.item_label.setObjectName("progressItem")
        self.item_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        # What the job waits for (a table another program locked): a whole sentence, on a row of its own.
        self.wait_label = QLabel()
        self.wait_label.setObjectName("progressWaiting")
        self.wait_label.setWordWrap(True)
        self.wait_label.hide()
        self.timing_label = QLabel()
        self.timing_label.setObjectName("progressTiming")
        self.timing_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.bar = QProgressBar()
        self.bar.setObjectName("progressBar")
        self.bar.setAccessibleName("Progress")
        self.bar.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelJobButton")
        self.cancel_button.setMinimumWidth(110)
        self.cancel_button.clicked.connect(self._cancel)

        grid = QGridLayout(self)
        grid.setContentsMargins(12, 8, 12, 8)
        grid.setHorizontalSpacing(12)
        grid.addWidget(self.title_label, 0, 0)
        grid.addWidget(self.timing_label, 0, 1, 1, 2)
        status = QHBoxLayout()
        status.setSpacing(6)
        status.addWidget(self.phase_label)
        status.addWidget(self.item_label, 1)
        grid.addLayout(status, 1, 0, 1, 3)
        grid.addWidget(self.wait_label, 2, 0, 1, 3)
        grid.addWidget(self.bar, 3, 0, 1, 2)
        grid.addWidget(self.cancel_button, 3, 2)
        grid.setColumnStretch(0, 1)
        self._reset()

    def attach(self, job: BackgroundJob, what: str = "backup") -> None:
        """Follow `job` (a newer job replaces the one followed before)."""
        self._detach()
        self._job = job
        self._what = what
        job.progressed.connect(self._on_progress)
        job.finished.connect(self._on_finished)
        self.title_label.setText(job.title)
        self.cancel_button.setText(f"Cancel {what}")
        self.cancel_button.setAccessibleName(f"Cancel {what}")
        self.cancel_button.setToolTip(f"Stop the {what}. Nothing is kept from an unfinished {what}.")
        self.cancel_button.setEnabled(True)
        self._clock.start()
        self._since_report.start()
        self._ticker.start()
        self._show(job.last_progress or Progress(phase="Starting"))
        self.show()

    def _detach(self) -> None:
        if self._job is not None:
            self._job.progressed.disconnect(self._on_progress)
            self._job.finished.disconnect(self._on_finished)
            self._job = None

    def _on_progress(self, progress: Progress) -> None:
        self._since_report.restart()
        self._show(progress)

    def _show(self, progress: Progress) -> None:
        self._progress = progress
        if not self.cancelling:
            self.phase_label.setText(progress.phase)
        self.item_label.setText(f"· {progress.item}" if progress.item else "")
        self.wait_label.setText(progress.waiting)
        self.wait_label.setVisible(bool(progress.waiting))
        self.bar.setAccessibleDescription(progress.headline)
        fraction = progress.fraction
        if fraction is None:
            self.bar.setRange(0, 0)  # busy: the job cannot tell how far it is
        else:
            self.bar.setRange(0, _BAR_STEPS)
            self.bar.setValue(round(fraction * _BAR_STEPS))
        self._show_timing()

    def _show_timing(self) -> None:
        if self._progress is None:
            return
        elapsed = max(self._progress.elapsed, self._clock.elapsed() / 1000)
        eta = self._progress.eta_seconds
        if eta is not None:
            eta -= self._since_report.elapsed() / 1000
        self.timing_label.setText(timing_text(elapsed, eta, self._progress.bytes_done))

    @property
    def cancelling(self) -> bool:
        return self._job is not None and self._job.cancel_token.cancelled

    def _cancel(self) -> None:
        if self._job is None:
            return
        self._job.cancel()
        self.cancel_button.setEnabled(False)
        self.cancel_button.setText("Cancelling…")
        self.phase_label.setText(f"Cancelling… the {self._what} stops at the next safe point.")

    def _on_finished(self) -> None:
        self._detach()
        self._reset()
        self.hide()

    def _reset(self) -> None:
        self._ticker.stop()
        self._progress = None
        self._what = "job"
        for label in (self.title_label, self.phase_label, self.item_label, self.wait_label, self.timing_label):
            label.clear()
        self.wait_label.hide()
        self.bar.setRange(0, _BAR_STEPS)
        self.bar.setValue(0)
        self.cancel_button.setText("Cancel")
        self.cancel_button.setAccessibleName("Cancel")
        self.cancel_button.setEnabled(False)
