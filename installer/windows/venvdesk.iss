; Inno Setup script for Venvdesk on Windows: a per-user installer of the one-folder bundle.
; NOT BUILT OR TESTED in this repository (it has no Windows machine); see installer/README.md.
;
; On Windows, from the repository root:
;     py -3.12 installer\build.py                       -> dist\venvdesk\venvdesk.exe
;     dist\venvdesk\venvdesk.exe --self-test            -> exit code 0 (report in %TEMP%\venvdesk-self-test.txt)
;     "%ProgramFiles(x86)%\Inno Setup 6\ISCC.exe" /DAppVersion=0.1.0 installer\windows\venvdesk.iss
;                                                       -> dist\venvdesk-0.1.0-windows-x64-setup.exe

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "Venvdesk"
#define AppExe "venvdesk.exe"
#define BundleDir AddBackslash(SourcePath) + "..\..\dist\venvdesk"
#define IconFile AddBackslash(SourcePath) + "..\..\resources\venvdesk.ico"

#if !FileExists(BundleDir + "\" + AppExe)
  #error dist\venvdesk\venvdesk.exe is missing: build the bundle first (python installer\build.py)
#endif

[Setup]
; The AppId identifies Venvdesk to Windows' "Installed apps" list: never change it.
AppId={{8F65FBA0-05AE-457A-BD51-8D71904DC1FB}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Venvdesk
AppComments=Create Python virtual environments and manage their packages without a terminal.
; Per-user by default (no administrator rights needed); the person may choose all users.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#AddBackslash(SourcePath)}..\..\dist
OutputBaseFilename=venvdesk-{#AppVersion}-windows-x64-setup
#if FileExists(IconFile)
SetupIconFile={#IconFile}
#endif
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; Close a running Venvdesk before replacing its files.
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The whole one-folder bundle: venvdesk.exe and _internal\ (Python, Qt, core\seed_pip.py, resources\).
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; An update must not keep files the new version no longer ships.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Python environments without a terminal"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

; Uninstalling removes the program only.  The person's environments, settings and logs
; (%APPDATA%\venvdesk, %LOCALAPPDATA%\venvdesk) are theirs, and stay.
