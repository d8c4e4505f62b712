"""Settings: the package index Venvdesk and pip use (empty = whatever pip is configured to use)."""

from __future__ import annotations

from urllib.parse import urlsplit

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from core import pypi
from core.commands import redact
from gui import theme


def index_url_problem(text: str) -> str:
    """Why ``text`` cannot be used as an index URL ("" when it can, or when it is empty)."""
    text = text.strip()
    if not text:
        return ""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https", "file") or not (parts.netloc or parts.scheme == "file"):
        return "Enter a full address starting with https:// (for example https://pypi.org/simple/)."
    if any(c.isspace() for c in text):
        return "The address cannot contain spaces."
    return ""


def proxy_problem(text: str) -> str:
    """Why ``text`` cannot be used as a proxy address ("" when it can, or when it is empty)."""
    text = text.strip()
    if not text:
        return ""
    parts = urlsplit(text if "://" in text else f"http://{text}")
    if parts.scheme not in ("http", "https", "socks5", "socks5h") or not parts.hostname:
        return "Enter the proxy as host:port, for example proxy.example.com:3128 (or http://user:password@host:port)."
    if any(c.isspace() for c in text):
        return "The proxy address cannot contain spaces."
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return "The port after “:” must be a number."
    return ""


INSTALLERS = (("pip", "pip (comes with Python)"), ("uv", "uv (much faster)"))


class SettingsDialog(QDialog):
    def __init__(
        self,
        index_url: str,
        parent: QWidget | None = None,
        proxy: str = "",
        installer: str = "pip",
        uv_status: str = "",
    ) -> None:
        """``uv_status``: where uv is and its version, or why it cannot be chosen ("" = not looked for)."""
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self.setMinimumWidth(520)
        self.index_edit = QLineEdit(index_url)
        self.index_edit.setObjectName("indexUrlEdit")
        self.index_edit.setAccessibleName("Package index address")
        pip_default = redact(pypi.configured_index_url(""))
        self.index_edit.setPlaceholderText(f"as pip is configured: {pip_default}")
        explanation = QLabel(
            "Where packages are searched for and downloaded from. Leave it empty to use what pip is"
            " configured to use (your company may have set a mirror)."
        )
        explanation.setWordWrap(True)
        self.error_label = QLabel()
        self.error_label.setObjectName("indexUrlError")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        theme.set_role(self.error_label, "error")
        self.error_label.setWordWrap(True)
        self.proxy_edit = QLineEdit(proxy)
        self.proxy_edit.setObjectName("proxyEdit")
        self.proxy_edit.setAccessibleName("Proxy address")
        self.proxy_edit.setPlaceholderText("none (or as pip and your system are configured)")
        self.proxy_edit.setToolTip(
            "Only if your network needs one to reach the internet: host:port, or http://user:password@host:port."
            " pip is given it with --proxy."
        )
        self.installer_combo = QComboBox()
        self.installer_combo.setObjectName("installerCombo")
        self.installer_combo.setAccessibleName("Installer")
        for value, text in INSTALLERS:
            self.installer_combo.addItem(text, value)
        self.installer_combo.setCurrentIndex(max(0, self.installer_combo.findData(installer)))
        self.installer_note = QLabel(uv_status)
        self.installer_note.setObjectName("installerNote")
        self.installer_note.setTextFormat(Qt.TextFormat.PlainText)  # quotes a path
        self.installer_note.setWordWrap(True)
        theme.set_role(self.installer_note, "muted")
        form = QFormLayout()
        form.addRow("Package &index:", self.index_edit)
        form.addRow("&Proxy:", self.proxy_edit)
        form.addRow("I&nstaller:", self.installer_combo)
        form.addRow("", self.installer_note)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.index_edit.textChanged.connect(lambda _t: self._set_state())
        self.proxy_edit.textChanged.connect(lambda _t: self._set_state())
        self._set_state()

    def _set_state(self) -> None:
        problem = index_url_problem(self.index_edit.text()) or proxy_problem(self.proxy_edit.text())
        self.error_label.setText(problem)
        self.error_label.setVisible(bool(problem))
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(not problem)

    def index_url(self) -> str:
        return self.index_edit.text().strip()

    def proxy(self) -> str:
        return self.proxy_edit.text().strip()

    def installer(self) -> str:
        return str(self.installer_combo.currentData() or "pip")
