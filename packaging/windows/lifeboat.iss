; Inno Setup 6 script: a per-user installer for the Windows bundle.
;
; Build the bundle on Windows first (it holds Lifeboat.exe, the windowed app
; for the Start menu, and lifeboat-cli.exe for scripts and Task Scheduler):
;   py -3.11 -m venv .venv && .venv\Scripts\pip install -e .[package]
;   .venv\Scripts\python packaging\fetch_pgtools.py --target windows-amd64
;   .venv\Scripts\pyinstaller --noconfirm --distpath build\dist --workpath build\work packaging\lifeboat.spec
; then compile this script:
;   "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" packaging\windows\lifeboat.iss
; Output: build\dist\Lifeboat-Setup-0.1.0.exe
;
; Per-user install (no administrator prompt): office PCs often lock
; elevation. Backups, settings and logs live in the user's profile
; (platformdirs), never in the program folder, so uninstalling leaves them.

#define AppName "Lifeboat"
#define AppVersion "0.1.0"
#define Bundle "..\..\build\dist\lifeboat"

[Setup]
AppId={{6B1F3C2E-8E0B-4E0C-9D5B-3C0A7F4E2A11}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=Lifeboat
DefaultDirName={localappdata}\Programs\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\build\dist
OutputBaseFilename=Lifeboat-Setup-{#AppVersion}
SetupIconFile=..\..\resources\icons\lifeboat.ico
UninstallDisplayIcon={app}\Lifeboat.exe
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
; A running Lifeboat holds its files open: ask to close it first.
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "Put a Lifeboat icon on the desktop"; Flags: unchecked

[Files]
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\Lifeboat.exe"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\Lifeboat.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\Lifeboat.exe"; Description: "Start Lifeboat now"; Flags: nowait postinstall skipifsilent
