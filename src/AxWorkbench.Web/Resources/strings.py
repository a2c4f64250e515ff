# Source of the UI strings: `python3 Resources/strings.py` regenerates SharedResource(.ko).resx.
# Kept beside the resx files so both languages are reviewed side by side.
import html, os
S = {
 "AppName": ("AxWorkbench", "AxWorkbench"),
 "Tagline": ("Analyst workbench for closed networks", "폐쇄망 분석관 워크벤치"),
 "NavHome": ("Home", "홈"),
 "NavChat": ("Chat", "채팅"),
 "NavDocuments": ("Documents", "문서"),
 "NavLibraries": ("Libraries", "자료실"),
 "NavReview": ("Review", "검토"),
 "NavAdmin": ("Admin", "관리"),
 "SignIn": ("Sign in", "로그인"),
 "SignOut": ("Sign out", "로그아웃"),
 "UserName": ("User name", "사용자 이름"),
 "Password": ("Password", "비밀번호"),
 "LoginFailed": ("Wrong user name or password.", "사용자 이름 또는 비밀번호가 틀렸습니다."),
 "LockedOut": ("This account is locked after too many failed attempts. Try again later or ask an administrator.", "로그인 실패가 너무 많아 계정이 잠겼습니다. 나중에 다시 시도하거나 관리자에게 문의하십시오."),
 "AccountDisabled": ("This account is disabled. Ask an administrator.", "비활성화된 계정입니다. 관리자에게 문의하십시오."),
 "AccessDenied": ("Access denied", "접근 거부"),
 "AccessDeniedText": ("Your role does not allow this page. The attempt has been recorded.", "이 페이지에 접근할 권한이 없습니다. 시도가 기록되었습니다."),
 "DarkMode": ("Dark mode", "다크 모드"),
 "LightMode": ("Light mode", "라이트 모드"),
 "Language": ("Language", "언어"),
 "Welcome": ("Welcome, {0}", "{0}님, 환영합니다"),
 "YourClearance": ("Your clearance", "비밀취급인가"),
 "YourUnit": ("Unit", "소속"),
 "YourRoles": ("Roles", "역할"),
 "HomeIntro": ("Everything here runs on this machine: the language model, the documents and the audit log. Nothing leaves the network.", "언어 모델, 문서, 감사 기록 등 모든 것이 이 컴퓨터에서 실행됩니다. 어떤 데이터도 망 밖으로 나가지 않습니다."),
 "ChatTitle": ("Chat", "채팅"),
 "ChatComing": ("Conversations with the local model will appear here: durable, streaming sessions with a marking on every message.", "로컬 언어 모델과의 대화가 이곳에 표시됩니다. 모든 메시지에 비밀 등급이 표시되며 대화는 안전하게 저장됩니다."),
 "DocumentsTitle": ("Documents", "문서"),
 "DocumentsComing": ("Upload PDF, DOCX, HWPX and text briefs here and summarize them, however long.", "PDF, DOCX, HWPX, 텍스트 문서를 올리고 분량에 관계없이 요약할 수 있습니다."),
 "LibrariesTitle": ("Libraries", "자료실"),
 "LibrariesComing": ("Libraries of classified briefs, searchable with answers that cite document and page.", "문서와 쪽수를 인용하는 답변을 제공하는 비밀 문서 자료실입니다."),
 # --- Retrieval (Libraries page) ---
 "LibrariesIntro": ("Search the libraries your unit belongs to. You only ever see passages your clearance allows.", "소속 부대가 속한 자료실을 검색합니다. 비밀취급인가 범위의 내용만 표시됩니다."),
 "LibrariesNone": ("No library is open to your unit yet.", "소속 부대에 열린 자료실이 아직 없습니다."),
 "LibraryCreate": ("New library", "새 자료실"),
 "LibraryName": ("Name", "이름"),
 "LibraryCeiling": ("Marking ceiling", "최고 비밀 등급"),
 "LibraryUnits": ("Member units (comma separated)", "구성 부대(쉼표로 구분)"),
 "LibraryCreated": ("Library created.", "자료실을 만들었습니다."),
 "LibraryDocuments": ("{0} documents", "문서 {0}건"),
 "SearchPlaceholder": ("Search passages (English or Korean)", "문단 검색(영어 또는 한국어)"),
 "SearchButton": ("Search", "검색"),
 "SearchNoResults": ("No passage matches.", "일치하는 문단이 없습니다."),
 "SearchCount": ("{0} of {1} matching passages", "일치하는 문단 {1}건 중 {0}건"),
 "SearchPage": ("page {0}", "{0}쪽"),
 "SearchKeywordOnly": ("Ranked by keywords only: the embedder does not read this language.", "임베딩 모델이 이 언어를 읽지 못하므로 키워드로만 순위를 정했습니다."),
 # --- end Retrieval ---
 "ReviewTitle": ("Review", "검토"),
 "ReviewComing": ("Supervisors will review analysts' saved sessions here: comment, flag and sign off.", "감독관이 분석관의 저장된 세션을 검토하고, 의견을 남기고, 승인하는 곳입니다."),
 "AdminTitle": ("Administration", "관리"),
 "AdminComing": ("Users, units, personas, the model and the audit log will be managed here.", "사용자, 부대, 페르소나, 언어 모델과 감사 기록을 이곳에서 관리합니다."),
 "NotFound": ("This page does not exist.", "존재하지 않는 페이지입니다."),
 "ErrorTitle": ("Something went wrong", "오류가 발생했습니다"),
 "ErrorText": ("The request could not be completed. Nothing saved before was lost.", "요청을 완료하지 못했습니다. 이전에 저장된 내용은 유지됩니다."),
 "ComingSoon": ("Coming in a later release", "다음 릴리스에서 제공"),
 "BannerLabel": ("Classification of this screen", "이 화면의 비밀 등급"),
}
def resx(lang_index):
    out = ['<?xml version="1.0" encoding="utf-8"?>', '<root>',
      '  <resheader name="resmimetype"><value>text/microsoft-resx</value></resheader>',
      '  <resheader name="version"><value>2.0</value></resheader>',
      '  <resheader name="reader"><value>System.Resources.ResXResourceReader, System.Windows.Forms, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089</value></resheader>',
      '  <resheader name="writer"><value>System.Resources.ResXResourceWriter, System.Windows.Forms, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089</value></resheader>']
    for k, v in S.items():
        out.append(f'  <data name="{k}" xml:space="preserve"><value>{html.escape(v[lang_index], quote=False)}</value></data>')
    out.append('</root>\n')
    return "\n".join(out)
here = os.path.dirname(os.path.abspath(__file__))
open(os.path.join(here, "SharedResource.resx"), "w", encoding="utf-8").write(resx(0))
open(os.path.join(here, "SharedResource.ko.resx"), "w", encoding="utf-8").write(resx(1))
