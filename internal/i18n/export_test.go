package i18n

// WrittenSentences is writtenSentences, for the tests outside the package.
var WrittenSentences = writtenSentences
